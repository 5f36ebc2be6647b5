package dev.lathe.search;

import dev.lathe.config.StudyConfig;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.transform.CandidateBuilder;

/**
 * The one way a study's candidates are built: the search builds with it and export rebuilds with it, so an
 * exported candidate is the one measured. Random inputs make poor calibration, so they fall back to magnitude
 * ranking without repair.
 */
public final class CandidateBuilders {
    private CandidateBuilders() {}

    public static CandidateBuilder of(OnnxModel original, StudyConfig config, EvaluationData.Split split) throws ai.onnxruntime.OrtException {
        var quantization = config.precision().quantization();
        if (split.calibration().synthetic()) return CandidateBuilder.create(original, dev.lathe.transform.pruning.PruningOptions.MAGNITUDE, quantization, null);
        return CandidateBuilder.create(original, config.pruning().options(), quantization, split.calibration().samples());
    }
}
