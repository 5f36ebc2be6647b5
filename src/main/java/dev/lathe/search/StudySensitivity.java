package dev.lathe.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.config.PrecisionChoices;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.CandidateBuilder;

import java.util.Map;
import java.util.function.Consumer;

/**
 * Each layer's quality drop at its first offered precision, on the first calibration samples: measured once per
 * study and kept in its storage, so a resumed search ranks layers the same way; it seeds and biases the search
 * ({@link SearchSpace}). Empty when the study turns it off. A new study of the same model, data and settings reads it from
 * the {@link PreparationCache}.
 */
final class StudySensitivity {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StudySensitivity() {}

    static Map<String, Double> of(StudyStorage store, int samples, int threads, OnnxModel original, CandidateBuilder builder,
                                  PrecisionChoices choices, EvaluationData.Split split, Consumer<String> log) throws Exception {
        if (samples == 0) return Map.of();
        var stored = store.sensitivity();
        if (stored.isPresent()) return JSON.readValue(stored.get(), SensitivityAnalysis.Report.class).drops();
        var data = split.calibration().head(samples);
        PreparationCache cache = PreparationCache.standard();
        String key = cache == null ? null : PreparationCache.sensitivityKey(original, data.samples(), samples, threads, choices,
                builder.options(), builder.quantization());
        String cached = cache == null ? null : cache.sensitivity(key, log);
        if (cached != null) {
            log.accept("Per-layer sensitivity read from the preparation cache");
            store.recordSensitivity(cached);
            SensitivityAnalysis.Report report = JSON.readValue(cached, SensitivityAnalysis.Report.class);
            logWorst(report, log);
            return report.drops();
        }
        log.accept("Measuring each layer's sensitivity to reduced precision on " + data.size() + " calibration samples");
        var quality = new dev.lathe.eval.quality.QualityEvaluator(original, data, dev.lathe.model.OrtRunner.RunnerSettings.cpu(threads));
        SensitivityAnalysis.Report report = SensitivityAnalysis.run(builder, original, quality,
                l -> choices.forLayer(l).isEmpty() ? null : choices.forLayer(l).get(0), null);
        String json = JSON.writeValueAsString(report);
        store.recordSensitivity(json);
        if (cache != null) cache.storeSensitivity(key, json, log);
        logWorst(report, log);
        return report.drops();
    }

    /** The three layers that lose most, told whether the figures were measured now or read from the cache. */
    private static void logWorst(SensitivityAnalysis.Report report, Consumer<String> log) {
        var worst = report.worstFirst().stream().limit(3).map(r -> String.format("%s %+.4f", r.layer(), -r.drop())).toList();
        if (!worst.isEmpty()) log.accept("Most sensitive layers: " + String.join(", ", worst));
    }
}
