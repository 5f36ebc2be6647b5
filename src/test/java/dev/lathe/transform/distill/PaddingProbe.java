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
    }
}
