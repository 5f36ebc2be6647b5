package dev.lathe.search;

import dev.lathe.config.PrecisionChoices;
import ai.onnxruntime.OrtException;
import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.eval.quality.QualityReport;
import dev.lathe.model.OnnxModel;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Per-layer sensitivity to reduced precision: each layer alone is set to a precision, the rest of the model
 * left as it is, and the quality drop against the original is measured with the study's own
 * {@link QualityEvaluator}. The search ranks layers by it ({@link SearchSpace}); the command line and the
 * model view show it.
 */
public final class SensitivityAnalysis {
    /** Samples the search scores each layer on: enough to rank layers, few enough to take seconds per layer. */
    public static final int DEFAULT_SEARCH_SAMPLES = dev.lathe.config.PrecisionConfig.DEFAULT_SENSITIVITY_SAMPLES;

    private SensitivityAnalysis() {}

    /** One layer's figures; {@code error} says why it could not be measured (its quality figures are then NaN). */
    public record LayerResult(String layer, String opType, String precision, double quality, double drop, double worstCase, String error) {
        public boolean measured() { return error == null; }
    }

    /** {@code baseline} is the original's quality on the same samples (1 for fidelity metrics). */
    public record Report(String metric, double baseline, int samples, List<LayerResult> layers) {
        /** Measured layers, the most harmful first. */
        public List<LayerResult> worstFirst() {
            return layers.stream().filter(LayerResult::measured)
                    .sorted(Comparator.comparingDouble(LayerResult::drop).reversed().thenComparing(LayerResult::layer)).toList();
        }

        /** Layer to quality drop, for the search space. */
        public Map<String, Double> drops() {
            Map<String, Double> out = new LinkedHashMap<>();
            for (LayerResult r : layers) if (r.measured()) out.put(r.layer(), r.drop());
            return out;
        }
    }

    @FunctionalInterface
    public interface Progress {
        void layerDone(int done, int total, LayerResult result);
    }

    /**
     * The analysis as the command line and the model view run it: calibration from the data's calibration split
     * (for int8 static layers), scores on the first {@code samples} evaluation samples, each layer at
     * {@code precision} where its operator takes it, or at its default search precision when null.
     */
    public static Report forModel(OnnxModel original, dev.lathe.eval.data.EvaluationData.Split split, Precision precision,
                                  dev.lathe.transform.quantization.QuantizationOptions quantization, int samples, int threads, Progress progress) throws OrtException {
        CandidateBuilder builder = CandidateBuilder.create(original, dev.lathe.transform.pruning.PruningOptions.MAGNITUDE, quantization,
                split.calibration().synthetic() ? null : split.calibration().samples());
        QualityEvaluator quality = new QualityEvaluator(original, split.evaluation().head(samples), dev.lathe.model.OrtRunner.RunnerSettings.cpu(threads));
        return run(builder, original, quality,
                l -> precision != null ? precision : PrecisionChoices.DEFAULT.forLayer(l).stream().findFirst().orElse(null), progress);
    }

    /**
     * Measures every layer for which {@code precisionFor} gives a precision its operator supports (null skips
     * the layer). A layer whose candidate cannot be built or run is reported with the reason, not dropped.
     */
    public static Report run(CandidateBuilder builder, OnnxModel original, QualityEvaluator quality,
                             Function<QuantizableLayer, Precision> precisionFor, Progress progress) throws OrtException {
        QualityReport base = quality.evaluate(original);
        List<QuantizableLayer> todo = new ArrayList<>();
        for (QuantizableLayer l : builder.analysis().quantizable()) {
            Precision p = precisionFor.apply(l);
            if (p != null && p.supports(l.opType())) todo.add(l);
        }
        List<LayerResult> results = new ArrayList<>();
        for (QuantizableLayer l : todo) {
            Precision p = precisionFor.apply(l);
            LayerResult r;
            try {
                OnnxModel m = builder.build(Genome.withPrecisions(Map.of(), Map.of(l.id(), p)));
                QualityReport q = quality.evaluate(m);
                r = new LayerResult(l.id(), l.opType(), p.id(), q.quality(), base.quality() - q.quality(), q.worstCase(), null);
            } catch (OrtException | RuntimeException e) {
                r = new LayerResult(l.id(), l.opType(), p.id(), Double.NaN, Double.NaN, Double.NaN,
                        e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace('\n', ' '));
            }
            results.add(r);
            if (progress != null) progress.layerDone(results.size(), todo.size(), r);
        }
        return new Report(base.qualityMetric(), base.quality(), quality.data().size(), List.copyOf(results));
    }
}
