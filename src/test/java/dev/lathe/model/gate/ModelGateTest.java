package dev.lathe.model.gate;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnxruntime.OrtException;
import dev.lathe.TestModels;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.gate.Problem.Kind;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ModelGateTest {
    @TempDir
    Path dir;

    @Test
    void theSampleModelsAndAGraphBuiltHerePass() throws Exception {
        for (Path p : List.of(TestModels.digitsMlp(), TestModels.digitsCnn(), write("tiny.onnx", BadModelCorpusTest.tinyGraph()))) {
            Verdict v = ModelGate.check(p);
            assertTrue(v.valid(), v.oneLine());
            assertEquals(OnnxModel.load(p).sha256(), ModelGate.admit(p).sha256());
        }
    }

    @Tag("minilm")
    @Test
    void miniLmPasses() {
        assertTrue(ModelGate.check(TestModels.minilm()).valid());
        assertTrue(ModelGate.check(TestModels.minilmQuantized()).valid(), "com.microsoft operators of the quantized MiniLM");
    }

    @Tag("minilm")
    @Test
    void aTruncatedMiniLmIsRefused() throws Exception {
        byte[] bytes = Files.readAllBytes(TestModels.minilm());
        Path cut = dir.resolve("minilm-cut.onnx");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 1000));
        Verdict v = ModelGate.check(cut);
        assertEquals(Kind.TRUNCATED, v.problems().getFirst().kind(), v.oneLine());
        assertTrue(v.oneLine().startsWith("minilm-cut.onnx: not a valid ONNX model (truncated)"), v.oneLine());
    }

    @Test
    void externalDataInsideTheFolderAndAnAcyclicGraphOutOfOrderPass() throws Exception {
        ModelProto p = ModelProto.parseFrom(Files.readAllBytes(TestModels.digitsMlp()));
        Path ext = Files.createDirectories(dir.resolve("ext")).resolve("model.onnx");
        var t = p.getGraph().getInitializer(0);
        Files.write(ext.resolveSibling("weights.bin"), t.getRawData().toByteArray());
        var external = p.toBuilder();
        external.getGraphBuilder().setInitializer(0, t.toBuilder().clearRawData().setDataLocation(ai.onnx.proto.OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin")));
        Files.write(ext, external.build().toByteArray());
        var reversed = p.toBuilder();
        List<ai.onnx.proto.OnnxMl.NodeProto> nodes = new ArrayList<>(p.getGraph().getNodeList());
        Collections.reverse(nodes);
        reversed.getGraphBuilder().clearNode().addAllNode(nodes);
        Verdict v = ModelGate.check(write("reversed.onnx", reversed.build()));
        assertTrue(v.valid(), "ONNX Runtime sorts the nodes itself, so the gate accepts any order of a DAG: " + v.oneLine());
        Verdict inside = ModelGate.check(ext);
        assertTrue(inside.valid(), inside.oneLine());
        assertEquals(t.getRawData(), inside.model().proto().getGraph().getInitializer(0).getRawData());
    }

    /** The newest opset and IR version the gate admits are the newest the bundled ONNX Runtime loads, and the next ones it refuses. */
    @Test
    void theVersionLimitsAreOnnxRuntimes() throws Exception {
        ModelProto p = ModelProto.parseFrom(Files.readAllBytes(TestModels.digitsMlp()));
        assertNull(ortError(p.toBuilder().setOpsetImport(0, OperatorSetIdProto.newBuilder().setVersion(GraphChecks.MAX_OPSET)).build()));
        Problem newer = RuntimeCheck.translate(ortError(p.toBuilder().setOpsetImport(0, OperatorSetIdProto.newBuilder().setVersion(GraphChecks.MAX_OPSET + 1)).build()));
        assertEquals(Kind.OPSET, newer.kind(), newer.text());
        assertNull(ortError(p.toBuilder().setIrVersion(GraphChecks.MAX_IR_VERSION).build()));
        Problem ir = RuntimeCheck.translate(ortError(p.toBuilder().setIrVersion(GraphChecks.MAX_IR_VERSION + 1).build()));
        assertEquals(Kind.IR_VERSION, ir.kind(), ir.text());
    }

    /** The structural checks come first, but what ONNX Runtime says about the same faults is translated too, and names what it can. */
    @Test
    void onnxRuntimesMessagesAreTranslated() {
        Problem cycle = RuntimeCheck.translate("Error code - ORT_FAIL - message: This is an invalid model. Error: the graph is not acyclic.");
        assertEquals(new Problem(Kind.CYCLE, "the graph is not acyclic"), cycle);
        Problem op = RuntimeCheck.translate("Error code - ORT_INVALID_GRAPH - message: This is an invalid model. In Node, (\"/net/net.1/Relu\", FooBar, \"\", -1) : "
                + "(\"/net/net.0/Gemm_output_0\": tensor(float),) -> (\"/net/net.1/Relu_output_0\",) , Error No Op registered for FooBar with domain_version of 13");
        assertEquals(Kind.OPERATOR, op.kind());
        assertEquals("operator FooBar does not exist at opset 13 (node '/net/net.1/Relu', FooBar)", op.text());
        Problem other = RuntimeCheck.translate("Error code - ORT_FAIL - message: /onnxruntime_src/onnxruntime/core/graph/model.cc:181 onnxruntime::Model::Model(onnx::ModelProto&&, "
                + "const onnxruntime::PathString&, const onnxruntime::logging::Logger&, const onnxruntime::ModelOptions&) Something new went wrong");
        assertEquals(new Problem(Kind.RUNTIME, "ONNX Runtime cannot load it: Something new went wrong"), other);
    }

    @Test
    void allProblemsAreListedAndTheFirstIsTheOneLine() throws Exception {
        ModelProto p = ModelProto.parseFrom(Files.readAllBytes(TestModels.digitsMlp()));
        var b = p.toBuilder().setOpsetImport(0, OperatorSetIdProto.newBuilder().setVersion(999));
        b.getGraphBuilder().getNodeBuilder(2).setInput(0, "nowhere");
        Verdict v = ModelGate.check(write("two.onnx", b.build()));
        assertEquals(List.of(Kind.OPSET, Kind.DANGLING_INPUT), v.problems().stream().map(Problem::kind).toList());
        assertEquals("two.onnx: has an unsupported opset: opset 999 is newer than ONNX Runtime supports (up to 23) (and 1 more; 'lathe inspect --json' lists them)", v.oneLine());
        assertNotNull(v.readable());
        assertNull(v.model());
    }

    @Test
    void aModelLargerThanMemoryIsRefusedBeforeAnythingAllocatesIt() throws Exception {
        Verdict v = ModelGate.check(TestModels.digitsCnn(), 64 * 1024);
        assertEquals(Kind.DIMS, v.problems().getFirst().kind(), v.oneLine());
        assertTrue(v.oneLine().contains("more than this machine's 0 MiB"), v.oneLine());
    }

    private Path write(String name, ModelProto m) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, m.toByteArray());
        return f;
    }

    private static String ortError(ModelProto m) {
        try (OrtRunner ignored = OrtRunner.silent(m.toByteArray(), null, OrtRunner.RunnerSettings.cpu(1))) {
            return null;
        } catch (OrtException e) {
            return e.getMessage();
        }
    }
}
