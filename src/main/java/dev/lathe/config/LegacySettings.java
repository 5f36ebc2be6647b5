package dev.lathe.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.study.Constraints;
import dev.lathe.study.Objective;
import dev.lathe.transform.quantization.QuantizationOptions;

import java.util.List;
import java.util.Map;

/**
 * Reads the settings studies kept before the configuration was versioned: one flat settings object and, from
 * schema 2, the measuring options beside it. Each field missing from an older study reads as what that study was
 * searched with: magnitude ranking without repair, int8 dynamic MatMul/Gemm without a sensitivity pass, the wall
 * clock, no constraints, the built-in keep ranges, and measuring on the CPU at 2 % on latency.
 */
final class LegacySettings {
    private LegacySettings() {}

    /** The flat settings object, as Jackson read it; null where the field did not exist yet. */
    record Flat(int budget, long seed, int threads, int batch, int sequenceLength, int populationSize, String strategy, String dataPath,
                String tokenizerPath, boolean quickTiming, String criterion, String repair, Map<String, List<Long>> shapes,
                Map<String, List<String>> precisions, QuantizationOptions quantization, Integer sensitivitySamples, LatencyClock clock,
                List<Double> imageMean, List<Double> imageStd, Constraints constraints, KeepRanges keepRanges) {}

    /** The measuring options object of schema 2. */
    record Measuring(String provider, double tolerancePct, int referenceEvery, double referenceMinutes, String objective, boolean isolated,
                     double timeoutSeconds, String workerHeap) {}

    static StudyConfig read(JsonNode settings, JsonNode measuring) throws JsonProcessingException {
        if (settings == null || !settings.isObject()) throw new IllegalArgumentException("no settings object");
        Flat s = StudyConfig.Mapper.JSON.treeToValue(settings, Flat.class);
        Measuring m = measuring == null || measuring.isNull() ? null : StudyConfig.Mapper.JSON.treeToValue(measuring, Measuring.class);
        MeasuringConfig d = MeasuringConfig.DEFAULT;
        MeasuringConfig measured = new MeasuringConfig(m == null ? d.provider() : Provider.parse(m.provider()), s.clock(), s.threads(), s.quickTiming(),
                m == null ? d.tolerancePct() : m.tolerancePct(), m == null ? d.referenceEvery() : m.referenceEvery(),
                m == null ? d.referenceMinutes() : m.referenceMinutes(), m == null || m.objective() == null ? Objective.LATENCY : Objective.parse(m.objective()),
                m == null ? d.isolated() : m.isolated(), m == null ? d.timeoutSeconds() : m.timeoutSeconds(), m == null ? null : m.workerHeap());
        PruningConfig pruning = new PruningConfig(s.criterion() == null ? Criterion.MAGNITUDE : Criterion.parse(s.criterion()),
                s.repair() == null ? Repair.NONE : Repair.parse(s.repair()));
        PrecisionConfig precision = s.precisions() == null ? PrecisionConfig.LEGACY
                : new PrecisionConfig(s.precisions(), s.quantization(), s.sensitivitySamples() == null ? 0 : s.sensitivitySamples());
        if (s.precisions() == null && (s.quantization() != null || s.sensitivitySamples() != null))
            precision = PrecisionConfig.of(PrecisionChoices.LEGACY, s.quantization(), s.sensitivitySamples() == null ? 0 : s.sensitivitySamples());
        return new StudyConfig(new SearchConfig(s.budget(), s.seed(), s.populationSize(), StrategyKind.parse(s.strategy())),
                new DataConfig(s.dataPath(), s.tokenizerPath(), s.batch(), s.sequenceLength(), s.shapes(), s.imageMean(), s.imageStd()),
                pruning, precision, measured, s.constraints(), s.keepRanges());
    }
}
