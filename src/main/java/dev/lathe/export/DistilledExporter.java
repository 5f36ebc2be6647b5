package dev.lathe.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.LatheVersion;
import dev.lathe.config.StudyConfig;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.eval.quality.QualityReport;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.distill.DistillationResult;
import dev.lathe.transform.distill.DistillationSettings;
import dev.lathe.transform.distill.Distiller;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.quantization.DynamicInt8Quantizer;
import dev.lathe.transform.quantization.Fp16Converter;
import dev.lathe.transform.quantization.Int4WeightQuantizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Distils one study candidate and exports it: the candidate's pruned float structure is rebuilt as {@code export}
 * rebuilds it (least-squares refit included, the cheap first step), distilled against the original on the
 * calibration part of the data, given the genome's precisions afterwards, reloaded, checked for the original's
 * signature and scored on the evaluation part, which training never sees. Writes {@code model.onnx} and a
 * {@code report.json} with the settings, the data's fingerprint, the loss curve and the quality before and after.
 */
public final class DistilledExporter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public record Result(Path model, Path report, double qualityBefore, double qualityAfter, String qualityMetric, DistillationResult distillation) {}

    private DistilledExporter() {}

    public static Result export(StudyStorage store, long candidateId, Path data, Path tokenizer, DistillationSettings settings,
                                Path outDir, boolean overwrite, Distiller.Progress progress) throws Exception {
        CandidateRecord c = store.get(candidateId).orElseThrow(() -> new ExportException("study " + store.file().getFileName() + " has no candidate " + candidateId));
        Path modelTarget = outDir.resolve(CandidateExporter.MODEL_FILE), reportTarget = outDir.resolve(CandidateExporter.REPORT_FILE);
        if (!overwrite && (Files.exists(modelTarget) || Files.exists(reportTarget)))
            throw new ExportException(outDir + " already holds an export; choose another folder or allow overwriting");
        StudyCandidate source = StudyCandidate.of(store, c);
        OnnxModel original = source.original();
        StudyConfig study = source.settings();
        Genome genome = source.genome();
        CandidateBuilder builder = source.builder();
        OnnxModel undistilled = builder.build(genome);
        OnnxModel student = builder.build(genome.withPrecisions(Map.of()));

        EvaluationData.Split split = EvaluationData.resolve(original, data, tokenizer, study.data().inputShapes(), study.data().imagePreprocessing());
        if (split.calibration().synthetic()) throw new ExportException("distillation needs real data; " + data + " gave none");
        DistillationResult d = Distiller.distill(original, student, split.calibration(), settings, progress);
        OnnxModel distilled = withPrecisions(d.model(), genome);

        Files.createDirectories(outDir);
        Path staged = Files.createTempFile(outDir, ".lathe-distill-", ".onnx");
        try {
            distilled.save(staged);
            OnnxModel reloaded = OnnxModel.load(staged);
            DecoderExport.checkSignature(original.proto(), reloaded.proto()); // the same ports; only a decoder's cache head axis may shrink
            QualityEvaluator evaluator = new QualityEvaluator(original, split.evaluation(), OrtRunner.RunnerSettings.cpu(study.measuring().threads()));
            QualityReport before = evaluator.evaluate(undistilled), after = evaluator.evaluate(reloaded);
            ObjectNode report = report(store, c, settings, split, d, before, after, Files.size(staged));
            Files.move(staged, modelTarget, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(reportTarget, JSON.writeValueAsString(report));
            return new Result(modelTarget, reportTarget, before.quality(), after.quality(), after.qualityMetric(), d);
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    /** Precisions come after distillation; int8_static would need its activation ranges calibrated on the distilled graph, which is not done yet. */
    static OnnxModel withPrecisions(OnnxModel distilled, Genome genome) {
        if (!genome.layersAt(Precision.INT8_STATIC).isEmpty())
            throw new ExportException("distillation does not yet re-calibrate int8_static layers (" + genome.layersAt(Precision.INT8_STATIC) + ")");
        MutableGraph g = MutableGraph.of(distilled);
        DynamicInt8Quantizer.quantize(g, genome.layersAt(Precision.INT8));
        Map<String, Integer> int4 = new LinkedHashMap<>();
        genome.precisions().forEach((layer, p) -> { if (p.isInt4()) int4.put(layer, p.blockSize()); });
        Int4WeightQuantizer.quantize(g, int4);
        Fp16Converter.convert(g, genome.layersAt(Precision.FP16));
        return OnnxModel.of(g.toModel());
    }

    private static ObjectNode report(StudyStorage store, CandidateRecord c, DistillationSettings s, EvaluationData.Split split,
                                     DistillationResult d, QualityReport before, QualityReport after, long size) throws Exception {
        ObjectNode r = JSON.createObjectNode();
        r.put("lathe_version", LatheVersion.get());
        r.put("exported_at", Instant.now().toString());
        r.put("study", store.file().toAbsolutePath().toString());
        ObjectNode cand = r.putObject("candidate");
        cand.put("id", c.id());
        cand.set("genome", JSON.readTree(c.genomeJson()));
        cand.put("recorded_quality", c.quality());
        ObjectNode set = r.putObject("distillation_settings");
        set.put("steps", s.steps());
        set.put("max_millis", s.maxMillis());
        set.put("batch_size", s.batchSize());
        set.put("learning_rate", s.learningRate());
        set.put("weight_decay", s.weightDecay());
        set.put("warm_up_fraction", s.warmUpFraction());
        set.put("schedule", "linear warm-up, cosine decay to 1/20 of the peak");
        set.put("optimizer", "AdamW, gradient norm clipped at " + s.clipNorm());
        set.put("held_out_fraction", s.heldOutFraction());
        set.put("patience", s.patience());
        set.put("temperature", s.temperature());
        set.put("seed", s.seed());
        set.put("objective", d.objective());
        set.put("hidden_state_weight", s.hiddenStateWeight());
        if (!s.fakeQuantizedLayers().isEmpty()) set.putPOJO("fake_quantized_layers", new java.util.TreeSet<>(s.fakeQuantizedLayers()));
        ObjectNode data = r.putObject("data");
        data.put("training", split.calibration().description());
        data.put("training_fingerprint", split.calibration().fingerprint());
        data.put("evaluation", split.evaluation().description());
        data.put("evaluation_fingerprint", split.evaluation().fingerprint());
        data.put("train_samples", d.trainSamples());
        data.put("held_out_samples", d.heldOutSamples());
        data.put("evaluation_samples", split.evaluation().size());
        ObjectNode run = r.putObject("run");
        run.put("steps", d.steps());
        run.put("planned_steps", d.plannedSteps());
        run.put("best_step", d.bestStep());
        run.put("stop_reason", d.stopReason());
        run.put("millis", d.millis());
        run.put("trainable_values", d.trainableValues());
        run.put("held_out_loss_before", d.heldOutLossBefore());
        run.put("held_out_loss_after", d.heldOutLossAfter());
        run.put("held_out_quality_metric", d.qualityMetric());
        run.put("held_out_quality_before", d.heldOutQualityBefore());
        run.put("held_out_quality_after", d.heldOutQualityAfter());
        ArrayNode curve = run.putArray("loss_curve");
        for (DistillationResult.Point p : d.curve()) {
            ObjectNode o = curve.addObject();
            o.put("step", p.step());
            o.put("loss", p.trainLoss());
            if (!Double.isNaN(p.heldOutLoss())) o.put("held_out_loss", p.heldOutLoss());
            o.put("learning_rate", p.learningRate());
        }
        ObjectNode q = r.putObject("quality");
        q.put("metric", after.qualityMetric());
        q.put("before", before.quality());
        q.put("after", after.quality());
        q.put("on", "evaluation part of the data, never used for training");
        r.put("size_bytes", size);
        return r;
    }
}
