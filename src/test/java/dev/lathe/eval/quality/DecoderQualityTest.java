package dev.lathe.eval.quality;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.lathe.TestModels;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.eval.data.DataFormatException;
import dev.lathe.eval.data.Dataset;
import dev.lathe.eval.data.DecoderText;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Next-token agreement, KL divergence and perplexity of sample:tiny-llama on its text.txt, checked against the same
 * figures computed here directly from ONNX Runtime's logits (own feeds, own softmax), for the original and for a
 * pruned decoder whose cache has fewer heads.
 */
class DecoderQualityTest {
    @TempDir
    Path dir;

    static OnnxModel llama() {
        return OnnxModel.load(TestModels.samples().resolve("tiny-llama/model.onnx"));
    }

    @Test
    void aDecoderIsScoredByNextTokenAgreementKlAndPerplexityOnItsText() throws Exception {
        OnnxModel m = llama();
        EvaluationData.Split split = EvaluationData.resolve(m, null, null, InputShapes.of(1, 1).withContext(16));
        Dataset eval = split.evaluation();
        assertFalse(eval.synthetic(), "text.txt beside the decoder is its default data: " + eval.description());
        assertTrue(eval.description().contains("text.txt (bytes)"), eval.description());
        List<String> lines = Files.readAllLines(TestModels.samples().resolve("tiny-llama/text.txt")).stream().filter(l -> !l.isBlank()).toList();
        int cut = lines.size() * 2 / 3;
        assertEquals(Math.min(lines.size() - cut, EvaluationData.MAX_EVALUATION_SAMPLES), eval.size());
        assertEquals(lines.size() - cut, eval.size());

        QualityEvaluator q = new QualityEvaluator(m, eval, OrtRunner.RunnerSettings.cpu(1));
        assertEquals(QualityEvaluator.OutputKind.LANGUAGE_MODEL, q.kind());
        QualityReport self = q.evaluate(m);
        assertEquals(QualityReport.NEXT_TOKEN_AGREEMENT, self.qualityMetric());
        assertEquals(1.0, self.fidelity());
        assertEquals(0.0, self.klDivergence(), 1e-12);
        assertEquals(self.originalPerplexity(), self.perplexity(), 1e-12);

        // Prune the second key/value group of layer 0 and a quarter of layer 1's MLP units: real damage, smaller cache.
        GroupFinder.Result groups = GroupFinder.analyze(m);
        MutableGraph g = MutableGraph.of(m);
        PrunableGroup heads = groups.groups().stream().filter(x -> x.kind() == GroupKind.ATTENTION_HEADS).findFirst().orElseThrow();
        StructuredPruner.prune(g, heads, new int[] {0});
        PrunableGroup ffn = groups.groups().stream().filter(x -> x.kind() == GroupKind.FFN_UNITS).toList().get(1);
        StructuredPruner.prune(g, ffn, IntStream.range(0, ffn.size()).filter(u -> u % 4 != 0).toArray());
        OnnxModel pruned = OnnxModel.of(g.toModel());
        QualityReport got = q.evaluate(pruned);

        // The direct computation: the sequences the dataset holds, run on both models with feeds built here.
        List<long[]> sequences = new ArrayList<>();
        for (int i = 0; i < eval.size(); i++) {
            byte[] b = lines.get(cut + i).getBytes(StandardCharsets.UTF_8);
            long[] ids = new long[Math.min(b.length, DecoderText.MAX_TOKENS)];
            for (int k = 0; k < ids.length; k++) ids[k] = b[k] & 0xff;
            assertArrayEquals(ids, eval.samples().get(i).get("input_ids").longs(), "line " + (cut + i + 1) + " as bytes");
            sequences.add(ids);
        }
        Direct expected = direct(m, pruned, sequences);
        assertTrue(expected.agreement < 1.0 && expected.agreement > 0.3, "the pruned decoder agrees on some tokens, not all: " + expected.agreement);
        assertEquals(expected.agreement, got.fidelity(), 1e-12);
        assertEquals(expected.worstAgreement, got.worstCase(), 1e-12);
        assertEquals(expected.kl, got.klDivergence(), 1e-6);
        assertEquals(expected.worstKl, got.worstKlDivergence(), 1e-6);
        assertEquals(expected.perplexity, got.perplexity(), 1e-6 * expected.perplexity);
        assertEquals(expected.originalPerplexity, got.originalPerplexity(), 1e-6 * expected.originalPerplexity);
        assertEquals(expected.originalPerplexity, self.perplexity(), 1e-6 * expected.originalPerplexity);
        // Briefly trained on sentences like these: far better than a uniform guess over 256 bytes; pruning costs perplexity.
        assertTrue(expected.originalPerplexity < 64, "original perplexity " + expected.originalPerplexity);
        assertTrue(got.perplexity() > got.originalPerplexity());
        assertEquals(List.of("next_token_agreement", "next_token_agreement_worst", "kl_divergence", "kl_divergence_worst", "perplexity", "perplexity_original"),
                List.copyOf(got.figures().keySet()));
        System.out.printf("tiny-llama on text.txt (%d lines): original perplexity %.3f; pruned (1 of 2 kv groups in layer 0, 3/4 of layer 1's units): agreement %.4f, KL %.4f, perplexity %.3f%n",
                eval.size(), got.originalPerplexity(), got.fidelity(), got.klDivergence(), got.perplexity());
    }

    @Test
    void textForADecoderWithoutAByteVocabularyNeedsItsTokenizer() throws Exception {
        // The same graph with its config saying 300 tokens would still declare 256 logits: use a model whose logits do not declare it.
        Path folder = Files.createDirectories(dir.resolve("llm"));
        OnnxModel m = llama();
        var proto = m.proto().toBuilder();
        var logits = proto.getGraphBuilder().getOutputBuilderList().stream().filter(o -> o.getName().equals("logits")).findFirst().orElseThrow();
        logits.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(2).clearDimValue().setDimParam("vocab");
        Files.write(folder.resolve("model.onnx"), proto.build().toByteArray());
        Files.writeString(folder.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 32000}");
        Path text = Files.writeString(folder.resolve("text.txt"), "one line\nanother line\n");
        OnnxModel reloaded = OnnxModel.load(folder.resolve("model.onnx"));
        DataFormatException e = assertThrows(DataFormatException.class, () -> EvaluationData.resolve(reloaded, text, null, InputShapes.of(1, 8)));
        assertTrue(e.getMessage().startsWith("text.txt: ") && e.getMessage().contains("--tokenizer"), e.getMessage());
    }

    @Test
    void aTokenizerBesideTheDecoderGivesItsTokens() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("words"));
        Files.copy(TestModels.samples().resolve("tiny-llama/model.onnx"), folder.resolve("model.onnx"));
        // A word-level tokenizer.json as the tokenizers library writes one: five words, an unknown token.
        Files.writeString(folder.resolve("tokenizer.json"), """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [], "normalizer": null,
                 "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
                 "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "the": 84, "cat": 99, "sat": 115, "down": 100}, "unk_token": "[UNK]"}}
                """);
        Path text = Files.writeString(folder.resolve("words.txt"), "the cat sat down\nthe dog sat\n");
        OnnxModel m = OnnxModel.load(folder.resolve("model.onnx"));
        EvaluationData.Split split = EvaluationData.resolve(m, text, null, InputShapes.of(1, 8));
        assertTrue(split.evaluation().description().contains("tokenizer.json"), split.evaluation().description());
        assertArrayEquals(new long[] {84, 99, 115, 100}, split.evaluation().samples().get(0).get("input_ids").longs());
        assertArrayEquals(new long[] {84, 0, 115}, split.evaluation().samples().get(1).get("input_ids").longs());
        QualityReport r = new QualityEvaluator(m, split.evaluation(), OrtRunner.RunnerSettings.cpu(1)).evaluate(m);
        assertEquals(1.0, r.fidelity());
        Direct d = direct(m, m, List.of(new long[] {84, 99, 115, 100}, new long[] {84, 0, 115}));
        assertEquals(d.originalPerplexity(), r.perplexity(), 1e-6 * d.originalPerplexity());
    }

    record Direct(double agreement, double worstAgreement, double kl, double worstKl, double perplexity, double originalPerplexity) {}

    /** Plain ONNX Runtime: each sequence from an empty cache shaped as each model declares it, softmax and sums written out. */
    static Direct direct(OnnxModel original, OnnxModel candidate, List<long[]> sequences) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession a = env.createSession(original.toBytes()); OrtSession b = env.createSession(candidate.toBytes())) {
            long agree = 0, positions = 0, predicted = 0;
            double kl = 0, worstKl = 0, worstAgreement = 1, nllA = 0, nllB = 0;
            for (long[] seq : sequences) {
                float[] la = logits(env, a, original, seq), lb = logits(env, b, candidate, seq);
                int v = la.length / seq.length, seqAgree = 0;
                double seqKl = 0;
                for (int t = 0; t < seq.length; t++) {
                    double[] p = softmax(la, t * v, v), r = softmax(lb, t * v, v);
                    int ia = 0, ib = 0;
                    for (int k = 1; k < v; k++) { if (la[t * v + k] > la[t * v + ia]) ia = k; if (lb[t * v + k] > lb[t * v + ib]) ib = k; }
                    if (ia == ib) seqAgree++;
                    double d = 0;
                    for (int k = 0; k < v; k++) d += p[k] * Math.log(p[k] / r[k]);
                    seqKl += d;
                    if (t + 1 < seq.length) { nllA -= Math.log(p[(int) seq[t + 1]]); nllB -= Math.log(r[(int) seq[t + 1]]); predicted++; }
                }
                agree += seqAgree;
                positions += seq.length;
                kl += seqKl;
                worstAgreement = Math.min(worstAgreement, (double) seqAgree / seq.length);
                worstKl = Math.max(worstKl, seqKl / seq.length);
            }
            return new Direct((double) agree / positions, worstAgreement, kl / positions, worstKl, Math.exp(nllB / predicted), Math.exp(nllA / predicted));
        }
    }

    private static float[] logits(OrtEnvironment env, OrtSession s, OnnxModel model, long[] seq) throws Exception {
        Map<String, OnnxTensor> feeds = new HashMap<>();
        int n = seq.length;
        long[] ones = new long[n], positions = new long[n];
        for (int i = 0; i < n; i++) { ones[i] = 1; positions[i] = i; }
        feeds.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(seq), new long[] {1, n}));
        feeds.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(ones), new long[] {1, n}));
        feeds.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(positions), new long[] {1, n}));
        for (var in : model.proto().getGraph().getInputList()) {
            if (!in.getName().startsWith("past_key_values")) continue;
            var shape = in.getType().getTensorType().getShape();
            long[] dims = {1, shape.getDim(1).getDimValue(), 0, shape.getDim(3).getDimValue()};
            feeds.put(in.getName(), OnnxTensor.createTensor(env, FloatBuffer.allocate(0), dims));
        }
        try (OrtSession.Result r = s.run(feeds)) {
            FloatBuffer fb = ((OnnxTensor) r.get("logits").get()).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private static double[] softmax(float[] row, int from, int n) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int k = 0; k < n; k++) max = Math.max(max, row[from + k]);
        double[] p = new double[n];
        for (int k = 0; k < n; k++) { p[k] = Math.exp(row[from + k] - max); sum += p[k]; }
        for (int k = 0; k < n; k++) p[k] /= sum;
        return p;
    }
}
