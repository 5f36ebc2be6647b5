package dev.lathe.search;

import dev.lathe.config.PrecisionChoices;
import dev.lathe.config.SearchConfig;
import dev.lathe.config.StudyConfig;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Precision;

import java.util.function.Consumer;

/** The strategy a study's {@link dev.lathe.config.StrategyKind} names, over its search space. */
final class Strategies {
    private Strategies() {}

    static SearchStrategy of(SearchConfig search, SearchSpace space) {
        return switch (search.strategy()) {
            case NSGA2 -> new Nsga2Strategy(space, search.population(), search.seed());
            case RANDOM -> new RandomStrategy(space, search.seed());
        };
    }

    /**
     * The strategy over a study's search space: the precisions the builder can make (int8_static only with
     * calibration data), the layers ranked by their sensitivity (measured once per study), the keep ranges.
     */
    static SearchStrategy forStudy(StudyConfig config, StudyStorage store, OnnxModel original, CandidateBuilder builder, EvaluationData.Split split,
                                   Consumer<String> log) throws Exception {
        PrecisionChoices choices = config.precision().choices();
        choices.requireLayers(builder.analysis().quantizable());
        if (choices.offers(Precision.INT8_STATIC) && !builder.canCalibrate()) {
            choices = choices.without(Precision.INT8_STATIC);
            log.accept("int8_static is left out of this search: its activation ranges need calibration data");
        }
        var sensitivity = StudySensitivity.of(store, config.precision().sensitivitySamples(), config.measuring().threads(), original, builder, choices,
                split, log);
        SearchSpace space = new SearchSpace(builder.analysis(), choices, sensitivity, config.keepRanges());
        log.accept(space.groups().size() + " prunable groups, " + space.layers().size() + " quantizable layers");
        return of(config.search(), space);
    }
}
