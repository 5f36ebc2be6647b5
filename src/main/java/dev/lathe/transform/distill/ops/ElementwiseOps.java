package dev.lathe.transform.distill.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/** Element-wise operators with NumPy broadcasting, activations, comparisons, casts and constants. */
final class ElementwiseOps {
    private ElementwiseOps() {}

    static void register(Map<String, NodeOp> ops) {
        unary(ops, "Relu", a -> a.getNDArrayInternal().relu());
        unary(ops, "Sigmoid", a -> a.getNDArrayInternal().sigmoid());
        unary(ops, "Tanh", NDArray::tanh);
        unary(ops, "Erf", NDArray::erf);
        unary(ops, "Exp", NDArray::exp);
        unary(ops, "Log", NDArray::log);
        unary(ops, "Sqrt", NDArray::sqrt);
        unary(ops, "Neg", NDArray::neg);
        unary(ops, "Abs", NDArray::abs);
        unary(ops, "Floor", NDArray::floor);
        unary(ops, "Ceil", NDArray::ceil);
        unary(ops, "Reciprocal", a -> a.getNDArrayInternal().rdiv(1));
        unary(ops, "Not", NDArray::logicalNot);
        unary(ops, "Softplus", a -> a.getNDArrayInternal().softPlus());
        ops.put("Identity", c -> new NDList(c.input(0)));
        // Inference semantics: Dropout passes its input through (a mask output, if asked for, is all true).
        ops.put("Dropout", c -> c.node().getOutputCount() > 1
                ? new NDList(c.input(0), c.input(0).onesLike().toType(DataType.BOOLEAN, false)) : new NDList(c.input(0)));
        ops.put("LeakyRelu", c -> new NDList(c.input(0).getNDArrayInternal().leakyRelu(c.floatAttr("alpha", 0.01f))));
        ops.put("HardSigmoid", c -> new NDList(hardSigmoid(c.input(0), c.floatAttr("alpha", 0.2f), c.floatAttr("beta", 0.5f))));
        ops.put("HardSwish", c -> new NDList(c.input(0).mul(hardSigmoid(c.input(0), 1f / 6, 0.5f))));
        ops.put("Gelu", c -> {
            NDArray x = c.input(0);
            if (c.stringAttr("approximate", "none").equals("tanh")) {
                NDArray inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
                return new NDList(x.mul(0.5).mul(inner.tanh().add(1)));
            }
            return new NDList(x.mul(0.5).mul(x.div(Math.sqrt(2)).erf().add(1)));
        });
        ops.put("Clip", c -> {
            NDArray x = c.input(0);
            if (c.opset() < 11) {
                return new NDList(x.maximum(c.floatAttr("min", -Float.MAX_VALUE)).minimum(c.floatAttr("max", Float.MAX_VALUE)));
            }
            if (c.has(1)) x = x.maximum(c.input(1));
            if (c.has(2)) x = x.minimum(c.input(2));
            return new NDList(x);
        });

        binary(ops, "Add", NDArray::add);
        binary(ops, "Sub", NDArray::sub);
        binary(ops, "Mul", NDArray::mul);
        binary(ops, "Div", ElementwiseOps::divide);
        binary(ops, "Pow", NDArray::pow);
        binary(ops, "Equal", NDArray::eq);
        binary(ops, "Less", NDArray::lt);
        binary(ops, "LessOrEqual", NDArray::lte);
        binary(ops, "Greater", NDArray::gt);
        binary(ops, "GreaterOrEqual", NDArray::gte);
        binary(ops, "And", NDArray::logicalAnd);
        binary(ops, "Or", NDArray::logicalOr);
        ops.put("Max", c -> new NDList(fold(c, NDArray::maximum)));
        ops.put("Min", c -> new NDList(fold(c, NDArray::minimum)));
        ops.put("Sum", c -> new NDList(fold(c, NDArray::add)));
        ops.put("Where", c -> new NDList(NDArrays.where(c.input(0).toType(DataType.BOOLEAN, false), c.input(1), c.input(2))));
        ops.put("Cast", c -> new NDList(c.input(0).toType(TensorProtos.dataType(c.intAttr("to", 1)), false)));
        ops.put("CastLike", c -> new NDList(c.input(0).toType(c.input(1).getDataType(), false)));
    }

    private static void unary(Map<String, NodeOp> ops, String name, UnaryOperator<NDArray> f) {
        ops.put(name, c -> new NDList(f.apply(c.input(0))));
    }

    private static void binary(Map<String, NodeOp> ops, String name, BinaryOperator<NDArray> f) {
        ops.put(name, c -> new NDList(f.apply(c.input(0), c.input(1))));
    }

    private static NDArray fold(OpCall c, BinaryOperator<NDArray> f) {
        NDArray acc = c.input(0);
        for (int i = 1; i < c.inputCount(); i++) acc = f.apply(acc, c.input(i));
        return acc;
    }

    private static NDArray hardSigmoid(NDArray x, float alpha, float beta) {
        return x.mul(alpha).add(beta).maximum(0).minimum(1);
    }

    /** ONNX divides integers with truncation; PyTorch's division of integers gives floats. */
    private static NDArray divide(NDArray a, NDArray b) {
        if (a.getDataType().isFloating()) return a.div(b);
        NDArray q = a.toType(DataType.FLOAT64, false).div(b.toType(DataType.FLOAT64, false));
        return q.trunc().toType(a.getDataType(), false);
    }
}
