package dev.lathe.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.LatheVersion;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.eval.quality.QualityReport;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.config.StudyConfig;
import dev.lathe.config.Studies;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.Study;
import dev.lathe.study.DataIdentity;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;

/**
 * Rebuilds a chosen candidate from the original model and its genome, writes it with a {@code report.json} (and
 * its readable view, {@code report.html}, with the study's scatter also as the image {@code pareto.svg}),
 * reloads the written file and checks it against what the study recorded: the same input/output signature
 * as the original, and the same quality on the same samples. Files appear in the target folder only after
 * the check passes, and existing files are never overwritten unless asked.
 */
public final class CandidateExporter {
    public static final String MODEL_FILE = "model.onnx";
    public static final String REPORT_FILE = "report.json";
    public static final String HTML_REPORT_FILE = HtmlReport.FILE;
    /** The study's latency/quality scatter as an SVG image, this candidate ringed. */
    public static final String PLOT_FILE = HtmlReport.PLOT_FILE;
    /** Every file an export writes (the model's external data aside). */
    public static final java.util.List<String> FILES = java.util.List.of(MODEL_FILE, REPORT_FILE, HTML_REPORT_FILE, PLOT_FILE);
    /** Rebuilding is deterministic, so reloaded quality must match the recorded figure almost exactly. */
    static final double QUALITY_TOLERANCE = 1e-4;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public record Result(Path model, Path report, double recordedQuality, double reloadedQuality, Path htmlReport) {}

    private CandidateExporter() {}

    public static Result export(StudyStorage store, long candidateId, Path outDir, boolean overwrite) throws Exception {
        CandidateRecord c = store.get(candidateId).orElseThrow(() -> new ExportException("study " + store.file().getFileName() + " has no candidate " + candidateId));
        if (!c.isDone()) throw new ExportException("candidate " + candidateId + " is " + c.status().id() + ", only measured candidates can be exported");
        Path modelTarget = outDir.resolve(MODEL_FILE), reportTarget = outDir.resolve(REPORT_FILE);
        if (!overwrite && Files.exists(outDir.resolve(MODEL_FILE + ".data")))
            throw new ExportException(outDir + " already holds " + MODEL_FILE + ".data; choose another folder or allow overwriting");
        if (!overwrite && FILES.stream().anyMatch(f -> Files.exists(outDir.resolve(f))))
            throw new ExportException(outDir + " already holds " + String.join(", ", FILES.stream().filter(f -> Files.exists(outDir.resolve(f))).toList())
                    + "; choose another folder or allow overwriting");

        StudyCandidate source = StudyCandidate.of(store, c);
        Path originalPath = source.originalPath();
        OnnxModel original = source.original();
        StudyConfig settings = source.settings();
        Genome genome = source.genome();
        EvaluationData.Split split = source.split();
        CandidateBuilder builder = source.builder();

        boolean createdOutDir = !Files.exists(outDir);
        Path staging;
        try {
            Files.createDirectories(outDir);
            staging = Files.createTempDirectory(outDir, ".lathe-export-");
        } catch (IOException e) {
            if (createdOutDir) deleteIfEmpty(outDir);
            throw unwritable(outDir, e);
        }
        boolean done = false;
        try {
            Path stagedModel = staging.resolve(MODEL_FILE);
            writeCandidate(builder, genome, store, c, original, stagedModel);
            // The built candidate is out of reach here, and the written one is read back as its graph with external
            // weights left in model.onnx.data: the checks below run it from its file (ModelImage), so a model over 2 GB
            // is never held twice in the heap.
            OnnxModel reloaded = OnnxModel.loadGraph(stagedModel);
            java.util.List<String> cacheChanges = DecoderExport.checkSignature(original.proto(), reloaded.proto());
            long[] tokens = DecoderExport.checkGeneration(reloaded);
            QualityReport q = new QualityEvaluator(original, split.evaluation(), OrtRunner.RunnerSettings.cpu(settings.measuring().threads())).evaluate(reloaded);
            if (Math.abs(q.quality() - c.quality()) > QUALITY_TOLERANCE)
                throw new ExportException("exported model scores " + q.quality() + " but the study recorded " + c.quality() + " for candidate " + candidateId);
            Path stagedReport = staging.resolve(REPORT_FILE);
            Study study = Studies.read(store);
            ObjectNode report = report(store, study, c, genome, builder, original, q, settings, dev.lathe.model.ModelImage.ofFile(stagedModel).sizeBytes());
            if (tokens != null) {
                // A decoder: what changed at its cache ports, the generation check, and its configuration file.
                java.util.List<String> notes = new java.util.ArrayList<>(cacheChanges);
                DecoderExport.Dimensions was = DecoderExport.Dimensions.of(original), now = DecoderExport.Dimensions.of(reloaded);
                ObjectNode config = DecoderExport.config(originalPath, was, now, JSON, notes);
                ObjectNode genai = DecoderExport.genaiConfig(originalPath, was, now, MODEL_FILE, JSON, notes);
                for (String f : new String[] {DecoderExport.CONFIG_FILE, DecoderExport.GENAI_CONFIG_FILE})
                    if (!overwrite && (f.equals(DecoderExport.CONFIG_FILE) ? config : genai) != null && Files.exists(outDir.resolve(f)))
                        throw new ExportException(outDir + " already holds " + f + "; choose another folder or allow overwriting");
                if (config != null) Files.writeString(staging.resolve(DecoderExport.CONFIG_FILE), JSON.writeValueAsString(config));
                if (genai != null) Files.writeString(staging.resolve(DecoderExport.GENAI_CONFIG_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(genai));
                ObjectNode decoder = report.putObject("decoder");
                decoder.set("changes", JSON.valueToTree(notes));
                decoder.set("generated_with_and_without_cache", JSON.valueToTree(tokens));
            }
            Files.writeString(stagedReport, JSON.writeValueAsString(report));
            Study all = study;
            Files.writeString(staging.resolve(HTML_REPORT_FILE), HtmlReport.render(report, all, builder.groups(),
                    builder.analysis().quantizable().stream().map(dev.lathe.analysis.QuantizableLayer::id).toList()));
            Files.writeString(staging.resolve(PLOT_FILE), ParetoScatter.paretoSvg(all, java.util.List.of(c.id()), c.qualityMetric()));
            for (String f : new String[] {MODEL_FILE + ".data", MODEL_FILE, REPORT_FILE, HTML_REPORT_FILE, PLOT_FILE, DecoderExport.CONFIG_FILE, DecoderExport.GENAI_CONFIG_FILE}) {
                Path src = staging.resolve(f);
                if (Files.exists(src)) Files.move(src, outDir.resolve(f), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            done = true;
            return new Result(modelTarget, reportTarget, c.quality(), q.quality(), outDir.resolve(HTML_REPORT_FILE));
        } catch (IOException e) {
            throw unwritable(outDir, e);
        } finally {
            deleteQuietly(staging);
            if (!done && createdOutDir) deleteIfEmpty(outDir);
        }
    }

    /** Builds the candidate, stamps its provenance and saves it (model.onnx.data beside it above the external-data threshold). */
    private static void writeCandidate(CandidateBuilder builder, Genome genome, StudyStorage store, CandidateRecord c, OnnxModel original, Path file) throws IOException {
        OnnxModel built = builder.build(genome);
        OnnxModel.of(withProvenance(built.proto(), store, c, original)).save(file);
    }

    /** A full disk or a read-only folder, in one line naming the folder; staging means nothing there was replaced. */
    private static ExportException unwritable(Path outDir, IOException e) {
        String why = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        if (why != null && why.startsWith("cannot write ")) why = why.substring(why.indexOf(": ") + 2); // OnnxModel.save names its file
        return new ExportException("cannot export into " + outDir + ": " + why + "; files already there are unchanged", e);
    }

    /** Removes a folder this export created, when the failure left it empty. */
    private static void deleteIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // not empty (then it is not only ours) or already gone
        }
    }

    private static ModelProto withProvenance(ModelProto m, StudyStorage store, CandidateRecord c, OnnxModel original) {
        ModelProto.Builder b = m.toBuilder();
        Map<String, String> props = Map.of(
                "lathe.version", LatheVersion.get(),
                "lathe.study", store.file().getFileName().toString(),
                "lathe.candidate", Long.toString(c.id()),
                "lathe.genome", c.genomeJson(),
                "lathe.original_sha256", original.sha256());
        props.forEach((k, v) -> b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return b.build();
    }

    private static ObjectNode report(StudyStorage store, Study study, CandidateRecord c, Genome genome, CandidateBuilder builder, OnnxModel original,
                                     QualityReport reloaded, StudyConfig settings, long fileSize) throws IOException {
        ObjectNode r = JSON.createObjectNode();
        r.put("lathe_version", LatheVersion.get());
        r.put("exported_at", Instant.now().toString());
        ObjectNode cand = r.putObject("candidate");
        cand.put("id", c.id());
        cand.put("origin", c.origin());
        cand.set("genome", JSON.readTree(c.genomeJson()));
        ObjectNode figures = r.putObject("figures");
        figures.put("latency_ms", c.latencyMs());
        figures.put("latency_p90_ms", c.latencyP90Ms());
        figures.put("quality", c.quality());
        figures.put("quality_metric", c.qualityMetric());
        figures.put("fidelity", c.fidelity());
        if (c.accuracy() != null) figures.put("accuracy", c.accuracy());
        figures.put("size_bytes", fileSize);
        figures.put("parameters", c.parameters());
        figures.set("latency", JSON.readTree(c.latencyJson()));
        CandidateRecord base = study.original().orElse(null);
        ObjectNode orig = r.putObject("original");
        orig.put("path", original.source().toAbsolutePath().toString());
        orig.put("sha256", original.sha256());
        orig.put("size_bytes", original.fileSize());
        if (base != null) {
            orig.put("latency_ms", base.latencyMs());
            orig.put("quality", base.quality());
        }
        // Drift-corrected where the study has references: against the original re-measured nearest in time to the candidate.
        Double speedup = study.speedup(c);
        if (speedup != null) figures.put("speedup", speedup);
        Double reference = study.referenceMs(c);
        if (reference != null) figures.put("reference_latency_ms", reference);
        if (c.peakMemoryBytes() != null) figures.put("peak_memory_bytes", c.peakMemoryBytes());
        store.machine().ifPresent(m -> {
            try {
                r.set("machine", JSON.readTree(m));
            } catch (IOException e) {
                r.put("machine", m);
            }
        });
        ArrayNode transforms = r.putArray("transforms");
        CandidateBuilder.Plan plan = builder.plan(genome);
        for (PrunableGroup g : builder.groups()) {
            int[] kept = plan.keptUnits().get(g.id());
            if (kept == null) continue;
            ObjectNode t = transforms.addObject();
            t.put("type", "prune");
            t.put("group", g.id());
            t.put("kind", g.kind().id());
            t.put("kept", kept.length);
            t.put("of", g.size());
            t.put("criterion", builder.options().criterion());
            t.put("repair", builder.options().repair());
        }
        for (String block : genome.droppedBlocks()) {
            ObjectNode t = transforms.addObject();
            t.put("type", "drop_block");
            t.put("block", block);
            builder.analysis().block(block).ifPresent(b -> t.put("name", b.name()));
        }
        for (Precision p : Precision.values()) {
            var at = genome.layersAt(p);
            if (at.isEmpty()) continue;
            ObjectNode q = transforms.addObject();
            q.put("type", p == Precision.INT8 ? "int8_dynamic" : p.id());
            switch (p) {
                case INT8 -> q.put("weights", "int8 symmetric per output column");
                case INT8_STATIC -> {
                    q.put("weights", "int8 symmetric per output channel");
                    q.put("activations", builder.quantization().symmetricActivations() ? "int8 symmetric" : "uint8 asymmetric");
                    q.put("calibration", builder.quantization().calibration());
                    if (builder.quantization().calibration().equals("percentile")) q.put("percentile", builder.quantization().percentile());
                    q.put("calibration_samples", builder.quantization().calibrationSamples());
                    q.put("reduce_range", builder.quantization().reduceRange());
                }
                case FP16 -> q.put("weights", "float16, inputs and outputs cast from and to float32");
                default -> {
                    q.put("weights", "4-bit asymmetric, one scale and zero point per block");
                    q.put("block_size", p.blockSize());
                }
            }
            if ((p == Precision.INT8 || p == Precision.INT8_STATIC) && builder.quantization().smoothing())
                q.put("smooth_quant_alpha", builder.quantization().smoothAlpha());
            ArrayNode layers = q.putArray("layers");
            at.forEach(layers::add);
        }
        r.set("settings", JSON.readTree(settings.toJson()));
        ObjectNode data = r.putObject("data");
        data.put("description", store.data().map(DataIdentity::description).orElse(""));
        data.put("fingerprint", store.data().map(DataIdentity::fingerprint).orElse(""));
        ObjectNode verify = r.putObject("verification");
        verify.put("quality_recorded", c.quality());
        verify.put("quality_reloaded", reloaded.quality());
        verify.put("signature_matches_original", true);
        r.put("study", store.file().toAbsolutePath().toString());
        return r;
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try { Files.deleteIfExists(p); } catch (IOException ignored) { /* best effort clean-up of staging */ }
            });
        } catch (IOException ignored) {
            // staging folder already gone
        }
    }
}
