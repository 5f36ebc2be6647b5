package dev.lathe.transform.distill.ops;

import ai.djl.ndarray.NDList;

/** One ONNX operator as NDArray operations: the node's outputs, in order, from its call (inputs and attributes). */
@FunctionalInterface
public interface NodeOp {
    NDList apply(OpCall call);
}
