package dev.lathe.search;

import dev.lathe.config.StudyConfig;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.transform.CandidateBuilder;

/**
 * The one way a study's candidates are built: the search builds with it and export rebuilds with it, so an
 * exported candidate is the one measured. Random inputs make poor calibration, so they fall back to magnitude
 * ranking without repair. What the builder gathers is kept in the {@link PreparationCache} for the next study or export.
 */
public final class CandidateBuilders {
    private CandidateBuilders() {}

    public static CandidateBuilder of(OnnxModel original, StudyConfig config, EvaluationData.Split split) throws ai.onnxruntime.OrtException {
        return of(original, config, split, m -> {});
    }

    /**
     * As {@link #of(OnnxModel, StudyConfig, EvaluationData.Split)}, with the calibration statistics and rankings read
     * from (or written to) the {@link PreparationCache} when it is on; {@code log} hears what the cache did.
     */
    public static CandidateBuilder of(OnnxModel original, StudyConfig config, EvaluationData.Split split, java.util.function.Consumer<String> log)
            throws ai.onnxruntime.OrtException {
        var quantization = config.precision().quantization();
        if (split.calibration().synthetic()) return CandidateBuilder.create(original, dev.lathe.transform.pruning.PruningOptions.MAGNITUDE, quantization, null);
        PreparationCache cache = PreparationCache.standard();
        if (cache == null) return CandidateBuilder.create(original, config.pruning().options(), quantization, split.calibration().samples());
        return cache.builder(original, config.pruning().options(), quantization, split.calibration().samples(), log);
    }
}
