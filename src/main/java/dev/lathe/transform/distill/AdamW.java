package dev.lathe.transform.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (decoupled weight decay, Loshchilov and Hutter) over the executor's parameters, with global gradient-norm
 * clipping. Written out rather than DJL's, whose optimizer state is created lazily inside a step and so would be
 * closed with that step's {@link NDScope}. Weight decay applies to matrices and filters, not to biases and scales.
 */
final class AdamW {
    private static final double BETA1 = 0.9, BETA2 = 0.999, EPSILON = 1e-8;

    private final Map<String, NDArray> parameters;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private final double weightDecay;
    private final double clipNorm;
    private int step;

    AdamW(Map<String, NDArray> parameters, double weightDecay, double clipNorm) {
        this.parameters = parameters;
        this.weightDecay = weightDecay;
        this.clipNorm = clipNorm;
        parameters.forEach((name, p) -> {
            firstMoments.put(name, p.zerosLike());
            secondMoments.put(name, p.zerosLike());
        });
    }

    /**
     * One update from the gradients the last backward pass left on the parameters; returns the gradient norm before
     * clipping. A gradient that is not finite changes nothing (neither the weights nor the moments) and gives NaN:
     * clipping cannot tame it, and once in the moments it would poison every later step.
     */
    double update(double learningRate) {
        try (NDScope ignored = new NDScope()) {
            Map<String, NDArray> grads = new LinkedHashMap<>();
            double squares = 0;
            for (var e : parameters.entrySet()) {
                if (!e.getValue().hasGradient()) continue;
                NDArray g = e.getValue().getGradient();
                grads.put(e.getKey(), g);
                squares += g.square().sum().getFloat();
            }
            double norm = Math.sqrt(squares);
            if (!Double.isFinite(norm)) return Double.NaN;
            step++;
            double scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
            double correction1 = 1 - Math.pow(BETA1, step), correction2 = 1 - Math.pow(BETA2, step);
            for (var e : grads.entrySet()) {
                NDArray p = parameters.get(e.getKey());
                NDArray g = scale == 1 ? e.getValue() : e.getValue().mul((float) scale);
                NDArray m = firstMoments.get(e.getKey()).muli((float) BETA1).addi(g.mul((float) (1 - BETA1)));
                NDArray v = secondMoments.get(e.getKey()).muli((float) BETA2).addi(g.square().muli((float) (1 - BETA2)));
                if (weightDecay > 0 && p.getShape().dimension() >= 2) p.muli((float) (1 - learningRate * weightDecay));
                NDArray denominator = v.div((float) correction2).sqrt().addi((float) EPSILON);
                p.subi(m.div(denominator).muli((float) (learningRate / correction1)));
            }
            return norm;
        }
    }
}
