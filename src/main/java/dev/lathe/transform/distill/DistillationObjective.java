package dev.lathe.transform.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.lathe.model.TensorData;

import java.util.List;
import java.util.Map;

/**
 * What the student is trained to match, chosen from the teacher's first output: an embedder (a [batch, tokens, hidden]
 * output beside an attention mask) by the cosine of its mean-pooled embedding plus half the mean cosine of its real
 * tokens; a classifier ([batch, classes]) by the KL divergence at a temperature (times its square, as Hinton et al.),
 * plus cross-entropy against the labels when there are any; anything else by the mean squared error relative to the
 * teacher's mean square. Quality is the matching figure Lathe reports: mean pooled cosine, top-1 agreement, or cosine.
 */
final class DistillationObjective {
    enum Kind { EMBEDDING, CLASSIFIER, REGRESSION }

    private static final double TOKEN_WEIGHT = 0.5;

    private final Kind kind;
    private final String output;
    private final String maskInput;
    private final double temperature;
    private final double labelWeight;

    DistillationObjective(Kind kind, String output, String maskInput, double temperature, double labelWeight) {
        this.kind = kind;
        this.output = output;
        this.maskInput = maskInput;
        this.temperature = temperature;
        this.labelWeight = labelWeight;
    }

    /**
     * The objective for {@code output}, told apart the way the quality evaluator tells the figure it reports: a
     * [batch, n] output is a classifier only when the data is labelled, the output holds probabilities or its name
     * says logits, probabilities or classes. Otherwise (a pooled sentence embedding such as MiniLM's pooler output) it
     * is matched as values, since a KL divergence over 384 embedding channels trains for a figure nobody reports.
     */
    static DistillationObjective detect(String output, TensorData teacherOutput, List<String> inputs, double temperature,
                                        double labelWeight, boolean labelled) {
        String mask = inputs.stream().filter(n -> n.toLowerCase(java.util.Locale.ROOT).contains("mask")).findFirst().orElse(null);
        long[] shape = teacherOutput.shape();
        String name = output.toLowerCase(java.util.Locale.ROOT);
        boolean classes = labelled || name.contains("logit") || name.contains("prob") || name.contains("class")
                || holdsProbabilities(teacherOutput);
        Kind kind = shape.length == 3 && mask != null ? Kind.EMBEDDING
                : shape.length == 2 && shape[1] > 1 && classes ? Kind.CLASSIFIER : Kind.REGRESSION;
        return new DistillationObjective(kind, output, mask, temperature, labelWeight);
    }

    /** Rows that are non-negative and sum to one (within 1e-3): a softmax output. */
    private static boolean holdsProbabilities(TensorData t) {
        if (!t.isFloat() || t.shape().length != 2 || t.shape()[1] < 2) return false;
        int width = (int) t.shape()[1];
        float[] v = t.floats();
        for (int row = 0; row + width <= v.length; row += width) {
            double sum = 0;
            for (int i = row; i < row + width; i++) {
                if (!(v[i] >= 0)) return false;
                sum += v[i];
            }
            if (Math.abs(sum - 1) > 1e-3) return false;
        }
        return true;
    }

    Kind kind() { return kind; }

    String output() { return output; }

    String describe() {
        return switch (kind) {
            case EMBEDDING -> "1 - cosine of mean-pooled embeddings + " + TOKEN_WEIGHT + " x (1 - mean token cosine)";
            case CLASSIFIER -> "KL divergence at temperature " + temperature + (labelWeight > 0 ? " (+ " + labelWeight + " x cross-entropy when labelled)" : "");
            case REGRESSION -> "mean squared error / teacher mean square";
        };
    }

    String qualityMetric() {
        return switch (kind) {
            case EMBEDDING -> "mean cosine of mean-pooled embeddings";
            case CLASSIFIER -> "top-1 agreement";
            case REGRESSION -> "mean cosine";
        };
    }

    /** The loss of the student's outputs against the teachers' for one batch (labels may be null). */
    NDArray loss(NDArray student, List<TensorData> teacher, Map<String, NDArray> batch, int[] labels) {
        NDManager m = student.getManager();
        int b = teacher.size();
        return switch (kind) {
            case EMBEDDING -> {
                NDArray mask = batch.get(maskInput).toType(DataType.FLOAT32, false);
                NDArray target = m.create(padTokens(teacher, (int) student.getShape().get(1)), student.getShape());
                NDArray pooledLoss = cosine(pool(student, mask), pool(target, mask), 1).neg().add(1).mean();
                NDArray tokenCos = cosine(student, target, 2);
                NDArray tokenLoss = tokenCos.neg().add(1).mul(mask).sum().div(mask.sum());
                yield pooledLoss.add(tokenLoss.mul((float) TOKEN_WEIGHT));
            }
            case CLASSIFIER -> {
                NDArray target = m.create(concat(teacher), student.getShape());
                NDArray teacherLog = target.div((float) temperature).logSoftmax(1);
                NDArray studentLog = student.div((float) temperature).logSoftmax(1);
                NDArray kl = teacherLog.exp().mul(teacherLog.sub(studentLog)).sum().div(b).mul((float) (temperature * temperature));
                if (labels == null || labelWeight <= 0) yield kl;
                NDArray oneHot = m.create(oneHot(labels, (int) student.getShape().get(1)), student.getShape());
                yield kl.add(oneHot.mul(student.logSoftmax(1)).sum().neg().div(b).mul((float) labelWeight));
            }
            case REGRESSION -> {
                NDArray target = m.create(concat(teacher), student.getShape());
                yield student.sub(target).square().mean().div(target.square().mean().add(1e-12f));
            }
        };
    }

    /** The quality figure summed over the batch (divide by the sample count for the mean). */
    double qualitySum(NDArray student, List<TensorData> teacher, Map<String, NDArray> batch) {
        NDManager m = student.getManager();
        return switch (kind) {
            case EMBEDDING -> {
                NDArray mask = batch.get(maskInput).toType(DataType.FLOAT32, false);
                NDArray target = m.create(padTokens(teacher, (int) student.getShape().get(1)), student.getShape());
                yield cosine(pool(student, mask), pool(target, mask), 1).sum().getFloat();
            }
            case CLASSIFIER -> {
                NDArray target = m.create(concat(teacher), student.getShape());
                yield student.argMax(1).eq(target.argMax(1)).toType(DataType.FLOAT32, false).sum().getFloat();
            }
            case REGRESSION -> {
                long rows = student.getShape().get(0);
                NDArray target = m.create(concat(teacher), student.getShape());
                yield cosine(student.reshape(rows, -1), target.reshape(rows, -1), 1).sum().getFloat();
            }
        };
    }

    /** Mean over the positions whose mask is 1: [b, t, h], [b, t] -> [b, h]. */
    private static NDArray pool(NDArray hidden, NDArray mask) {
        NDArray m = mask.expandDims(2);
        return hidden.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}).maximum(1));
    }

    private static NDArray cosine(NDArray a, NDArray b, int axis) {
        NDArray dot = a.mul(b).sum(new int[] {axis});
        NDArray norms = a.square().sum(new int[] {axis}).mul(b.square().sum(new int[] {axis})).add(1e-12f).sqrt();
        return dot.div(norms);
    }

    /** Teacher token outputs [1, t_i, h] laid into [b, length, h], zeros past each sentence's end. */
    private static float[] padTokens(List<TensorData> teacher, int length) {
        int hidden = (int) teacher.get(0).shape()[2];
        float[] out = new float[teacher.size() * length * hidden];
        for (int i = 0; i < teacher.size(); i++) {
            float[] t = teacher.get(i).floats();
            System.arraycopy(t, 0, out, i * length * hidden, Math.min(t.length, length * hidden));
        }
        return out;
    }

    private static float[] concat(List<TensorData> parts) {
        int per = parts.get(0).size();
        float[] out = new float[per * parts.size()];
        for (int i = 0; i < parts.size(); i++) System.arraycopy(parts.get(i).floats(), 0, out, i * per, per);
        return out;
    }

    private static float[] oneHot(int[] labels, int classes) {
        float[] out = new float[labels.length * classes];
        for (int i = 0; i < labels.length; i++) if (labels[i] >= 0 && labels[i] < classes) out[i * classes + labels[i]] = 1;
        return out;
    }

}
