package dev.lathe.analysis;

/** A MatMul or Gemm whose weight is a constant 2-D float matrix of {@code k} rows and {@code n} columns. */
public record QuantizableLayer(String id, String opType, int nodeIndex, String weight, int k, int n) {}
