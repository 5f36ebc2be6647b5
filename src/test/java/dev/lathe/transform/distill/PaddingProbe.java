package dev.lathe.transform.distill;

import dev.lathe.TestModels;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Diagnostics, not a test: padded tokens per pass over the corpus's training part, shuffled batches against bucketed ones. */
public final class PaddingProbe {
    public static void main(String[] args) throws Exception {
        OnnxModel original = OnnxModel.load(TestModels.minilm());
        var samples = EvaluationData.resolve(original, TestModels.samples().resolve("sentences/corpus.txt"), TestModels.minilmTokenizer(), InputShapes.of(1, 128)).calibration().samples();
        int[] lengths = new int[samples.size()];
        long real = 0;
        for (int i = 0; i < samples.size(); i++) { lengths[i] = Batches.paddedLength(List.of(samples.get(i))); real += lengths[i]; }
        List<Integer> train = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) train.add(i);
        int batch = 32;
        Random r = new Random(1);
        List<Integer> plain = new ArrayList<>(train);
        Collections.shuffle(plain, r);
        long plainTokens = 0;
        for (int b = 0; b + batch <= plain.size(); b += batch) {
            int max = 0;
            for (int i = b; i < b + batch; i++) max = Math.max(max, lengths[plain.get(i)]);
            plainTokens += (long) max * batch;
        }
        long bucketTokens = 0;
        for (List<Integer> b : Distiller.epochBatches(new ArrayList<>(train), lengths, batch, new Random(1))) {
            int max = 0;
            for (int i : b) max = Math.max(max, lengths[i]);
            bucketTokens += (long) max * b.size();
        }
        System.out.printf("%d sentences, %d real tokens (mean %.1f); per pass at batch %d: shuffled %d padded tokens (%.2fx), bucketed %d (%.2fx)%n",
                samples.size(), real, real / (double) samples.size(), batch, plainTokens, plainTokens / (double) real, bucketTokens, bucketTokens / (double) real);
        if (args.length == 0) return;
        // args[0]: a student model; times forward + backward of the same number of shuffled and bucketed batches (thread CPU time)
        OnnxModel student = OnnxModel.load(java.nio.file.Path.of(args[0]));
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        String output = student.proto().getGraph().getOutput(0).getName();
        TorchEngine.autogradOffOnThisThread();
        var bean = java.lang.management.ManagementFactory.getThreadMXBean();
        try (GraphExecutor teacher = GraphExecutor.load(original); GraphExecutor ex = GraphExecutor.load(student)) {
            List<List<Integer>> shuffledBatches = new ArrayList<>(), bucketed = Distiller.epochBatches(new ArrayList<>(train), lengths, batch, new Random(1));
            for (int b = 0; b + batch <= plain.size(); b += batch) shuffledBatches.add(plain.subList(b, b + batch));
            for (int round = 0; round < 2; round++) // the first round warms up
                for (var named : List.of(java.util.Map.entry("shuffled", shuffledBatches), java.util.Map.entry("bucketed", bucketed))) {
                    long cpu = 0, tokens = 0;
                    for (int k = 0; k < count; k++) {
                        List<Integer> idx = named.getValue().get(k);
                        List<java.util.Map<String, dev.lathe.model.TensorData>> picked = new ArrayList<>();
                        for (int i : idx) picked.add(samples.get(i));
                        List<dev.lathe.model.TensorData> targets = new ArrayList<>();
                        for (var sm : picked) targets.add(teacher.run(sm).get(output));
                        tokens += (long) batch * Batches.paddedLength(picked);
                        DistillationObjective obj = DistillationObjective.detect(output, targets.get(0), ex.inputNames(), 2, 0, false);
                        long t = bean.getCurrentThreadCpuTime();
                        ex.zeroGradients();
                        try (ai.djl.ndarray.NDScope ignored = new ai.djl.ndarray.NDScope(); ai.djl.training.GradientCollector c = TorchEngine.get().newGradientCollector()) {
                            var in = ex.toNDArrays(Batches.stack(picked));
                            c.backward(obj.loss(ex.forward(in, List.of()).get(output), targets, in, null));
                        }
                        cpu += bean.getCurrentThreadCpuTime() - t;
                    }
                    if (round == 1) System.out.printf("%s: %d batches, %d padded tokens, forward + backward %.3f s CPU a batch%n", named.getKey(), count, tokens, cpu / 1e9 / count);
                }
        }
    }
}
