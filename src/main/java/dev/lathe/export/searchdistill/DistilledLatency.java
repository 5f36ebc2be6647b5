package dev.lathe.export.searchdistill;

import dev.lathe.config.StudyConfig;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.ModelEvaluator;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.eval.timing.InterleavedComparison;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;
import dev.lathe.search.CandidateBuilders;
import dev.lathe.study.StudyModel;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Times a distilled candidate against the same candidate undistilled, interleaved A B B A in one process on the
 * study's clock, threads and timing input ({@link InterleavedComparison}). Distillation keeps the structure, but the
 * precisions are applied after it, so the quantized graph is rebuilt from other weights and may differ; this says by
 * measurement whether it runs as fast. The study's original, settings and builder are read once and reused.
 */
final class DistilledLatency {
    /** The undistilled candidate's time over the distilled one's (1 is the same speed), its 95% interval, and the clock. */
    record Result(double ratio, double low, double high, double undistilledMs, double distilledMs, int cycles, String clock) {
        /** Whether the interval holds 1, so the two are the same speed within the measurement's noise. */
        boolean sameWithinNoise() {
            return low <= 1 && 1 <= high;
        }

        String describe() {
            return String.format(Locale.ROOT, "latency %.3f ms distilled against %.3f ms undistilled, ratio %.3f [%.3f, %.3f] over %d A B B A cycles on the %s clock%s",
                    distilledMs, undistilledMs, ratio, low, high, cycles, clock, sameWithinNoise() ? ", equal within noise" : "");
        }
    }

    private final StudyStorage store;
    private CandidateBuilder builder;
    private MeasurementSetup setup;
    private Map<String, TensorData> input;

    DistilledLatency(StudyStorage store) {
        this.store = store;
    }

    Result measure(Genome genome, Path distilledModel) throws Exception {
        if (builder == null) {
            StudyModel model = StudyModel.of(store);
            StudyConfig config = StudyConfig.of(store).orElseThrow(() -> new IllegalStateException("the study has no settings"));
            EvaluationData.Split split = config.data().resolve(model.model());
            setup = config.measurementSetup(model.path());
            input = ModelEvaluator.timingInput(model.model(), split.evaluation(), setup.inputShapes());
            builder = CandidateBuilders.of(model.model(), config, split);
        }
        OnnxModel undistilled = builder.build(genome);
        InterleavedComparison.Result r = InterleavedComparison.compare(undistilled.toBytes(), Files.readAllBytes(distilledModel), input,
                setup.runnerSettings(), setup.clock());
        return new Result(r.speedup(), r.low(), r.high(), r.originalMs(), r.candidateMs(), r.cycles(), r.clock());
    }
}
