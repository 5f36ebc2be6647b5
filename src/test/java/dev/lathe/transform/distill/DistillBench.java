package dev.lathe.transform.distill;

import dev.lathe.TestModels;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.eval.data.Dataset;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.pruning.PruningOptions;
import dev.lathe.transform.quantization.DynamicInt8Quantizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The figures in docs/distillation.md, not a test: builds a MiniLM candidate (OBS ranking, least-squares refit on
 * the corpus's training part), distils it on the training part of {@code sample-models/sentences/corpus.txt} and
 * scores it before and after on the corpus's evaluation part and on {@code sentences.txt} lines 401-600, neither
 * ever trained on. Arguments are key=value: ffn, heads (keep ratios), drop (comma-separated block ids), steps,
 * minutes, lr, batch, hidden (weight of hidden-state matching), qat (true: fake-quantize the int8 layers),
 * int8 (true: score and write the int8 models as well), out (folder for the models), seed, mix (true: add sentences.txt lines
 * 1-400 to the training data), from (start from this model file instead of building one), evalonly (true: score it only),
 * extra (a text file of more training sentences), warmup (share of the steps the rate climbs over), curve (n: score sentences 401-600 at every n-th held-out evaluation, for a learning curve).
 */
public final class DistillBench {
    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (String a : args) o.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        OnnxModel original = OnnxModel.load(TestModels.minilm());
        Path tok = TestModels.minilmTokenizer();
        InputShapes shapes = InputShapes.of(1, 128);
        EvaluationData.Split corpus = EvaluationData.resolve(original, TestModels.samples().resolve("sentences/corpus.txt"), tok, shapes);
        EvaluationData.Split sentences = EvaluationData.resolve(original, TestModels.sentences(), tok, shapes);
        int trainCount = Integer.parseInt(o.getOrDefault("train", String.valueOf(corpus.calibration().size())));
        var train = corpus.calibration().head(trainCount);
        if (Boolean.parseBoolean(o.getOrDefault("mix", "false"))) { // the corpus's training part plus sentences.txt lines 1-400, refit on a mix of both
            List<Map<String, TensorData>> both = new ArrayList<>();
            var hand = sentences.calibration().samples();
            var word = train.samples();
            for (int i = 0; i < Math.max(hand.size(), word.size()); i++) {
                if (i < word.size()) both.add(word.get(i));
                if (i < hand.size()) both.add(hand.get(i));
            }
            train = new Dataset(train.description() + " + " + sentences.calibration().description(), both, null, false,
                    train.fingerprint() + "+" + sentences.calibration().fingerprint());
        }
        if (o.containsKey("extra")) { // more training sentences from a text file (e.g. corpus lines 5001-6000, which the split leaves unused)
            var more = dev.lathe.eval.data.DatasetLoader.text(Path.of(o.get("extra")), tok, original, 128);
            List<Map<String, TensorData>> all = new ArrayList<>(train.samples());
            all.addAll(more.samples());
            train = new Dataset(train.description() + " + " + more.description(), all, null, false, train.fingerprint() + "+" + more.fingerprint());
        }
        System.out.println("training on " + train.size() + " sentences: " + train.description());

        long t0 = System.nanoTime();
        OnnxModel start;
        if (o.containsKey("from")) {
            start = OnnxModel.load(Path.of(o.get("from")));
        } else {
            CandidateBuilder b = CandidateBuilder.create(original, new PruningOptions("obs", "lstsq", 8), train.samples());
            Map<String, Double> ratios = new TreeMap<>();
            double ffn = Double.parseDouble(o.getOrDefault("ffn", "0.5")), heads = Double.parseDouble(o.getOrDefault("heads", "0.75"));
            for (PrunableGroup g : b.groups()) {
                if (g.kind().id().equals("ffn_units") && ffn < 1) ratios.put(g.id(), ffn);
                if (g.kind().id().equals("attention_heads") && heads < 1) ratios.put(g.id(), heads);
            }
            Set<String> drop = new TreeSet<>();
            if (o.containsKey("drop")) for (String d : o.get("drop").split(",")) drop.add(d);
            Genome genome = new Genome(new TreeMap<>(ratios), new TreeMap<>(), new TreeSet<>(drop));
            start = b.build(genome);
            System.out.printf("built %s in %.1f s%n", genome, (System.nanoTime() - t0) / 1e9);
            if (o.containsKey("out")) { // saved at once, so later runs can start from it with from=
                Files.createDirectories(Path.of(o.get("out")));
                start.save(Path.of(o.get("out")).resolve("lstsq.onnx"));
            }
        }
        Set<String> int8 = new TreeSet<>();
        for (var q : GroupFinder.analyze(original).quantizable()) if (!q.convolution()) int8.add(q.id());
        QualityEvaluator onCorpus = new QualityEvaluator(original, corpus.evaluation(), OrtRunner.RunnerSettings.cpu(1));
        QualityEvaluator onSentences = new QualityEvaluator(original, sentences.evaluation(), OrtRunner.RunnerSettings.cpu(1));
        System.out.printf("before: corpus eval (%d) %.4f, sentences 401-600 (%d) %.4f%n", corpus.evaluation().size(),
                onCorpus.evaluate(start).quality(), sentences.evaluation().size(), onSentences.evaluate(start).quality());

        if (Boolean.parseBoolean(o.getOrDefault("evalonly", "false"))) { // score the model and its int8 form only
            Path out = o.containsKey("out") ? Path.of(o.get("out")) : null;
            if (out != null) Files.createDirectories(out);
            quantized(Map.of("start", start), int8, onCorpus, onSentences, out);
            return;
        }
        DistillationSettings s = (o.containsKey("minutes") ? DistillationSettings.minutes(Double.parseDouble(o.get("minutes")), Long.parseLong(o.getOrDefault("seed", "1")))
                : DistillationSettings.steps(Integer.parseInt(o.getOrDefault("steps", "300")), Long.parseLong(o.getOrDefault("seed", "1"))))
                .withLearningRate(Double.parseDouble(o.getOrDefault("lr", "1e-4")))
                .withBatchSize(Integer.parseInt(o.getOrDefault("batch", "16")))
                .withHiddenStateWeight(Double.parseDouble(o.getOrDefault("hidden", "0")))
                .withWarmUpFraction(Double.parseDouble(o.getOrDefault("warmup", "0.1")));
        if (Boolean.parseBoolean(o.getOrDefault("qat", "false"))) s = s.withFakeQuantizedLayers(int8);
        System.out.println("settings " + s);
        long t1 = System.nanoTime();
        long cpu1 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        int scoreEvery = Integer.parseInt(o.getOrDefault("curve", "0")); // score sentences 401-600 at every n-th held-out evaluation (0: never)
        int[] evaluations = {0};
        DistillationResult d = Distiller.distill(original, start, train, s, (step, planned, loss, ms) -> {
            if (step == 1 || step % 25 == 0 || step == planned) System.out.printf("step %d/%d loss %.5f %.0f s%n", step, planned, loss, ms / 1000.0);
            return true;
        }, (step, heldLoss, heldQuality, model) -> {
            String scored = "";
            if (scoreEvery > 0 && ++evaluations[0] % scoreEvery == 0) {
                try {
                    scored = String.format(", sentences 401-600 %.4f", onSentences.evaluate(model.get()).quality());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            System.out.printf("curve step %d at %.0f s: held-out loss %.5f, held-out cosine %.4f%s%n", step, (System.nanoTime() - t1) / 1e9, heldLoss, heldQuality, scored);
        });
        for (var p : d.curve()) if (!Double.isNaN(p.heldOutLoss())) System.out.printf("  held-out at %d: %.5f (lr %.2e)%n", p.step(), p.heldOutLoss(), p.learningRate());
        System.out.printf("distilled %d/%d steps in %.1f s (%s, best %d), held-out %.4f -> %.4f; total with teacher %.1f s%n", d.steps(), d.plannedSteps(),
                d.millis() / 1000.0, d.stopReason(), d.bestStep(), d.heldOutQualityBefore(), d.heldOutQualityAfter(), (System.nanoTime() - t1) / 1e9);
        System.out.printf("training thread CPU time %.1f s (%.3f s a step, held-out evaluations and curve scoring included)%n",
                (java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu1) / 1e9,
                (java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu1) / 1e9 / Math.max(1, d.steps()));
        System.out.printf("after: corpus eval %.4f, sentences 401-600 %.4f%n", onCorpus.evaluate(d.model()).quality(), onSentences.evaluate(d.model()).quality());
        Path out = o.containsKey("out") ? Path.of(o.get("out")) : null;
        if (out != null) {
            Files.createDirectories(out);
            start.save(out.resolve("lstsq.onnx"));
            d.model().save(out.resolve("distilled.onnx"));
        }
        if (Boolean.parseBoolean(o.getOrDefault("int8", "false"))) quantized(Map.of("lstsq", start, "distilled", d.model()), int8, onCorpus, onSentences, out);
    }

    private static void quantized(Map<String, OnnxModel> models, Set<String> int8, QualityEvaluator onCorpus, QualityEvaluator onSentences, Path out) throws Exception {
        for (var m : models.entrySet()) {
            MutableGraph g = MutableGraph.of(m.getValue());
            DynamicInt8Quantizer.quantize(g, int8);
            OnnxModel q = OnnxModel.of(g.toModel());
            System.out.printf("%s float: corpus eval %.4f, sentences 401-600 %.4f%n", m.getKey(), onCorpus.evaluate(m.getValue()).quality(), onSentences.evaluate(m.getValue()).quality());
            System.out.printf("%s int8: corpus eval %.4f, sentences 401-600 %.4f%n", m.getKey(), onCorpus.evaluate(q).quality(), onSentences.evaluate(q).quality());
            if (out != null) q.save(out.resolve(m.getKey() + "-int8.onnx"));
        }
    }
}
