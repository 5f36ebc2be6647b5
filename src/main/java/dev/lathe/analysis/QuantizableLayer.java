package dev.lathe.analysis;

/**
 * A layer with a constant float weight that can run at another precision: a MatMul or Gemm whose weight is a
 * 2-D matrix of {@code k} rows (inputs) and {@code n} columns (outputs), or a Conv with {@code n} filters of
 * {@code k} weights each.
 */
public record QuantizableLayer(String id, String opType, int nodeIndex, String weight, int k, int n) {
    public boolean convolution() { return opType.equals("Conv"); }
}
