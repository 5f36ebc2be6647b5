package dev.lathe.eval.profile;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import dev.lathe.TinyGraphs;
import dev.lathe.eval.timing.LatencyMeter;
import dev.lathe.eval.timing.LatencyStats;
import dev.lathe.eval.timing.TimingProtocol;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** Kernels ONNX Runtime fused are handed back to the original nodes, on small graphs where it does fuse. */
class NodeProfilerTest {
    private static final OrtRunner.RunnerSettings ONE_THREAD = OrtRunner.RunnerSettings.cpu(1);

    /** tanh(x·W + b) (MatMul, Add and Tanh, which ONNX Runtime turns into one FusedGemm), and a Conv followed by Relu (one fused Conv). */
    static OnnxModel fusable() {
        return new TinyGraphs(7)
                .input("x", 1, 64).weight("W", 64, 32).weight("b", 32)
                .node("MatMul", "mm", List.of("x", "W")).node("Add", "fc", List.of("mm", "b")).node("Tanh", "fc_act", List.of("fc"))
                .input("img", 1, 8, 16, 16).weight("K", 16, 8, 3, 3).weight("kb", 16)
                .node("Conv", "conv", List.of("img", "K", "kb"), TinyGraphs.ints("pads", 1, 1, 1, 1)).node("Relu", "relu", List.of("conv"))
                .output("fc_act", 1, 32).output("relu", 1, 16, 16, 16)
                .model(13);
    }

    @Test
    void fusedKernelsAreSharedEquallyAmongTheNodesTheyCompute() throws Exception {
        OnnxModel model = fusable();
        Map<String, TensorData> input = SyntheticInputs.generate(model, InputShapes.of(1, 1), 3);
        LatencyStats latency = new LatencyMeter(ONE_THREAD, TimingProtocol.QUICK).measure(model, input).stats();
        ModelProfile p = new NodeProfiler(ONE_THREAD, TimingProtocol.QUICK).profile(model.toBytes(), input, latency);
        Map<String, ModelProfile.Node> byName = p.nodes().stream().collect(Collectors.toMap(ModelProfile.Node::name, n -> n));
        assertEquals(List.of("mm", "fc", "fc_act", "conv", "relu"), p.nodes().stream().map(ModelProfile.Node::name).toList(), "every original node, in graph order");

        ModelProfile.Node mm = byName.get("mm"), add = byName.get("fc");
        ModelProfile.Node act = byName.get("fc_act");
        assertEquals(mm.kernel(), add.kernel(), "MatMul and Add run as one kernel");
        assertEquals(mm.kernel(), act.kernel(), "and the activation with them");
        assertEquals("FusedGemm", mm.kernelOp());
        assertEquals(List.of("fc", "fc_act"), mm.fusedWith());
        assertEquals(List.of("mm", "fc_act"), add.fusedWith());
        assertEquals(mm.ms(), add.ms(), 1e-12, "a fused kernel's time is shared equally");
        assertEquals(mm.ms(), act.ms(), 1e-12);
        assertTrue(mm.ms() > 0);

        ModelProfile.Node conv = byName.get("conv"), relu = byName.get("relu");
        assertEquals(conv.kernel(), relu.kernel(), "Conv and Relu run as one kernel: " + conv.kernelOp());
        assertTrue(conv.kernelOp().contains("Conv"), conv.kernelOp());
        assertEquals(List.of("relu"), conv.fusedWith());
        // With the NCHWc layout the reorder of relu's output back to NCHW is charged to relu as well.
        assertTrue(relu.ms() >= conv.ms() - 1e-12, relu.ms() + " vs " + conv.ms());
        assertEquals("CPUExecutionProvider", conv.provider());

        double nodeSum = p.nodes().stream().mapToDouble(ModelProfile.Node::ms).sum();
        assertEquals(p.kernelSumMs(), nodeSum, 1e-9, "sharing neither loses nor invents time");
        assertEquals(p.totalMs() - p.kernelSumMs(), p.gapMs(), 1e-12);
        assertEquals(latency.wallMedianMs(), p.totalMs());
        for (ModelProfile.Node n : p.nodes()) assertEquals(n.ms() / p.totalMs(), n.share(), 1e-12);
        assertTrue(p.runs() >= NodeProfiler.MIN_RUNS, "warm-up runs are dropped, timed runs kept: " + p.runs());
        // Like for like, within the profiled runs: a run's kernels lie inside its own interval, so they are at most all of it.
        assertTrue(p.runKernelShare() > 0 && p.runKernelShare() <= 1 + 1e-9, "kernels' share of their own run: " + p.runKernelShare());
        assertTrue(p.runKernelSumMs() > 0 && p.runKernelSumMs() <= p.profiledRunMs() * (1 + 1e-9) + 1e-3, p.runKernelSumMs() + " of " + p.profiledRunMs());
        assertTrue(p.runCpuMs() > 0, "the calling thread's CPU time per run: " + p.runCpuMs());

        ModelProfile older = ModelProfile.fromJson(new ModelProfile(p.totalMs(), p.profiledRunMs(), p.kernelSumMs(), p.gapMs(), p.runs(), p.threads(), p.shape(),
                p.nodes()).toJson().replace(",\"run_kernel_sum_ms\":null,\"run_kernel_share\":null,\"run_cpu_ms\":null", ""));
        assertNull(older.runKernelShare(), "a profile stored before these figures still reads");
        assertEquals(p.totalMs(), older.totalMs());

        ModelProfile back = ModelProfile.fromJson(p.toJson());
        assertEquals(p, back, "a stored profile reads back the same");
    }

    @Test
    void unnamedAndDuplicateNodesGetDistinctNames() {
        GraphProto g = GraphProto.newBuilder()
                .addNode(NodeProto.newBuilder().setOpType("Relu").addInput("a").addOutput("b"))
                .addNode(NodeProto.newBuilder().setOpType("Relu").setName("b").addInput("b").addOutput("c"))
                .addNode(NodeProto.newBuilder().setOpType("Relu").setName("n").addInput("c").addOutput("d")).build();
        assertEquals(List.of("b", "b#1", "n"), FusionMap.uniquelyNamed(g).getNodeList().stream().map(NodeProto::getName).toList());
    }

    @Test
    void aLayoutReorderIsChargedToTheNodeWhoseTensorItConvertsAndFoldedNodesCostNothing() {
        // Original: conv -> pool -> flat; the optimized graph as the NCHWc pass writes it, with an Identity folded away.
        GraphProto original = GraphProto.newBuilder()
                .addNode(NodeProto.newBuilder().setName("conv").setOpType("Conv").addInput("x").addInput("w").addOutput("c"))
                .addNode(NodeProto.newBuilder().setName("pool").setOpType("GlobalAveragePool").addInput("c").addOutput("p"))
                .addNode(NodeProto.newBuilder().setName("id").setOpType("Identity").addInput("p").addOutput("q"))
                .addNode(NodeProto.newBuilder().setName("flat").setOpType("Flatten").addInput("q").addOutput("y")).build();
        GraphProto optimized = GraphProto.newBuilder()
                .addNode(NodeProto.newBuilder().setName("c_nchwc").setOpType("Conv").addInput("x").addInput("w_r").addOutput("reorder_token_0"))
                .addNode(NodeProto.newBuilder().setName("p_nchwc").setOpType("GlobalAveragePool").addInput("reorder_token_0").addOutput("reorder_token_1"))
                .addNode(NodeProto.newBuilder().setName("ReorderOutput").setOpType("ReorderOutput").addInput("reorder_token_1").addOutput("p"))
                .addNode(NodeProto.newBuilder().setName("flat").setOpType("Flatten").addInput("p").addOutput("y")).build();
        FusionMap map = FusionMap.of(original, optimized);
        assertEquals(List.of("conv"), map.ofKernel("c_nchwc").originals());
        assertEquals(List.of("pool"), map.ofKernel("p_nchwc").originals());
        assertEquals(List.of("pool"), map.ofKernel("ReorderOutput").originals(), "the reorder converts pool's output");
        assertEquals(List.of("id", "flat"), map.ofKernel("flat").originals(), "the removed Identity is part of what flat now computes");
        assertEquals(List.of(), map.folded());
    }
}
