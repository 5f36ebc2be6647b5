package dev.lathe.search;

import dev.lathe.config.PrecisionChoices;
import dev.lathe.config.SearchConfig;
import dev.lathe.config.StrategyKind;
import dev.lathe.config.StudyConfig;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.PredictorReport;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Precision;

import java.util.function.Consumer;
import java.util.function.Function;

/** The strategy a study's {@link dev.lathe.config.StrategyKind} names, over its search space. */
public final class Strategies {
    private Strategies() {}

    /** {@code store} keeps the predictor's reports per generation; {@code log} hears its decisions. */
    static SearchStrategy of(SearchConfig search, SearchSpace space, StudyStorage store, Consumer<String> log) {
        return of(search.strategy(), space, search.population(), search.seed(), store::appendPredictorReport, log);
    }

    /** A strategy of {@code kind}; {@code reports} hears the predictor's per-generation reports (others make none). */
    public static SearchStrategy of(StrategyKind kind, SearchSpace space, int population, long seed, Consumer<PredictorReport> reports, Consumer<String> log) {
        return switch (kind) {
            case NSGA2 -> new Nsga2Strategy(space, population, seed);
            case RANDOM -> new RandomStrategy(space, seed);
            case PREDICTOR -> new PredictorStrategy(space, population, seed, reports, log);
        };
    }

    /**
     * The strategy over a study's search space ({@code factory}'s, when a tool supplies one; else the configured
     * kind's): the precisions the builder can make (int8_static only with
     * calibration data), the layers ranked by their sensitivity (measured once per study), the keep ranges.
     */
    static SearchStrategy forStudy(StudyConfig config, StudyStorage store, OnnxModel original, CandidateBuilder builder, EvaluationData.Split split,
                                   Function<SearchSpace, SearchStrategy> factory, Consumer<String> log) throws Exception {
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
        return factory != null ? factory.apply(space) : of(config.search(), space, store, log);
    }
}
