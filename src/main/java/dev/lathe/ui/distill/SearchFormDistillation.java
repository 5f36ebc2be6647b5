package dev.lathe.ui.distill;

import dev.lathe.config.StudyConfig;
import dev.lathe.search.SearchRunner;
import dev.lathe.export.searchdistill.DistillShareStrategy;
import dev.lathe.export.searchdistill.SearchDistillation;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.distill.DistillationSettings;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The search form's "Distil share" field, as the command line's {@code --distill-share F} with its default budget
 * (40 steps at 5e-5): blank is off; otherwise each generation's most promising share is distilled and stored apart.
 */
public final class SearchFormDistillation {
    private SearchFormDistillation() {}

    /** Why {@code share} cannot be used, or null (blank is fine: no distillation). */
    public static String problem(String share, String dataPath) {
        if (share == null || share.isBlank()) return null;
        try {
            double f = Double.parseDouble(share.trim());
            if (!(f > 0 && f <= 1)) return "the distil share must be in (0, 1], got " + share.trim();
        } catch (NumberFormatException e) {
            return "the distil share must be a number in (0, 1], got '" + share.trim() + "'";
        }
        return dataPath == null ? "the distil share needs a data file to train on" : null;
    }

    /** Wraps {@code runner}'s strategy when {@code share} is set; {@code log} hears each distillation, after which {@code distilled} runs. */
    public static void wire(SearchRunner runner, StudyStorage store, StudyConfig settings, String share, Consumer<String> log, Runnable distilled) {
        if (share == null || share.isBlank()) return;
        double f = Double.parseDouble(share.trim());
        Path data = Path.of(settings.data().dataPath());
        Path tokenizer = settings.data().tokenizerPath() == null ? null : Path.of(settings.data().tokenizerPath());
        SearchDistillation step = new SearchDistillation(store, data, tokenizer, DistillationSettings.steps(40, settings.search().seed()).withLearningRate(5e-5),
                line -> {
                    log.accept(line);
                    distilled.run();
                });
        var ranking = dev.lathe.export.searchdistill.FrontGainRanking.of(null, settings.constraints().minQuality());
        runner.decorateStrategy(s -> new DistillShareStrategy(s, f, step, false, ranking));
    }
}
