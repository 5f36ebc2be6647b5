package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestModels;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.InputShapes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.lathe.cli.LatheCommandTest.lathe;
import static org.junit.jupiter.api.Assertions.*;

/** The sensitivity, apply and multi-model bench commands on the sample CNN. */
class PrecisionCommandsTest {
    @TempDir
    Path dir;

    @Test
    void sensitivityPrintsATableOrJsonOfEveryLayer() throws Exception {
        LatheCommandTest.Run text = lathe("sensitivity", "sample:digits-cnn", "--samples", "60");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("accuracy on 60 samples, original"), text.out());
        assertEquals(3, text.out().lines().filter(l -> l.contains(" int8_static ")).count(), text.out());
        assertEquals(1, text.out().lines().filter(l -> l.contains("/net/net.12/Gemm") && l.contains(" int8 ")).count(), text.out());
        assertTrue(text.out().contains("most sensitive: ") || text.out().contains("no layer alone lowers the quality"), text.out());

        LatheCommandTest.Run json = lathe("sensitivity", "sample:digits-cnn", "--samples", "60", "--precision", "fp16", "--json");
        assertEquals(0, json.code(), json.err());
        JsonNode j = new ObjectMapper().readTree(json.out());
        assertEquals("accuracy", j.get("metric").asText());
        assertEquals(60, j.get("samples").asInt());
        assertEquals(4, j.get("layers").size(), "fp16 applies to convolutions and the classifier");
        for (JsonNode l : j.get("layers")) {
            assertEquals("fp16", l.get("precision").asText());
            assertEquals(j.get("baseline").asDouble() - l.get("quality").asDouble(), l.get("drop").asDouble(), 1e-9);
        }
        LatheCommandTest.Run bad = lathe("sensitivity", "sample:digits-cnn", "--precision", "int3");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("unknown precision 'int3'"), bad.err());
    }

    @Tag("slow")
    @Test
    void applyWritesAVariantThatLoadsAndRunsAndNeverOverwrites() throws Exception {
        Path out = dir.resolve("cnn-int8.onnx");
        LatheCommandTest.Run r = lathe("apply", "sample:digits-cnn", "--precision", "int8_static", "--out", out.toString(), "--calibration", "entropy");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("4 layers at reduced precision"), r.out());
        OnnxModel m = OnnxModel.load(out);
        assertTrue(m.proto().getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("QuantizeLinear")));
        try (OrtRunner runner = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1))) {
            assertEquals(10, runner.run(SyntheticInputs.generate(m, InputShapes.of(1, 8), 1)).get("logits").floats().length);
        }
        long size = Files.size(out);
        LatheCommandTest.Run again = lathe("apply", "sample:digits-cnn", "--precision", "int8", "--out", out.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("exists; pass --force"), again.err());
        assertEquals(size, Files.size(out), "the existing file is untouched");

        LatheCommandTest.Run some = lathe("apply", "sample:digits-cnn", "--precision", "int8", "--layers", "/net/net.0/Conv", "--out", dir.resolve("x.onnx").toString());
        assertEquals(1, some.code());
        assertTrue(some.err().contains("no layer '/net/net.0/Conv' that can run at int8"), some.err());
    }

    @Tag("slow")
    @Test
    void compareAlternatesModelsAndScoresThemAgainstTheOriginal() throws Exception {
        Path int8 = dir.resolve("int8.onnx");
        assertEquals(0, lathe("apply", "sample:digits-cnn", "--precision", "int8_static", "--out", int8.toString()).code());
        LatheCommandTest.Run r = lathe("compare", TestModels.digitsCnn().toString(), int8.toString(), "--repeat", "2",
                "--quality-against", "sample:digits-cnn");
        assertEquals(0, r.code(), r.err());
        var lines = r.out().lines().toList();
        var timed = lines.stream().filter(l -> l.contains("  median ") && l.contains(" p90 ")).map(l -> l.substring(0, l.indexOf(' '))).toList();
        assertEquals(java.util.List.of("model.onnx", "int8.onnx", "model.onnx", "int8.onnx"), timed, "A B A B");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("quality model.onnx  top1_agreement 1.0000")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("quality int8.onnx") && l.contains("accuracy")), r.out());
        assertEquals(2, lines.stream().filter(l -> l.contains("median of 2 medians")).count(), r.out());

        LatheCommandTest.Run pairs = lathe("compare", TestModels.digitsCnn().toString(), int8.toString(), "--interleave", "20");
        assertEquals(0, pairs.code(), pairs.err());
        var rows = pairs.out().lines().filter(l -> l.contains("interleaved 20 runs")).toList();
        assertEquals(2, rows.size(), pairs.out());
        assertTrue(rows.get(0).startsWith("model.onnx") && rows.get(0).endsWith("median ratio to model.onnx 1.000"), rows.get(0));
        assertTrue(rows.get(1).startsWith("int8.onnx"), rows.get(1));
    }

    @Test
    void applyConvertsTheWholeModelToFloat16AndSaysWhereItRuns() throws Exception {
        Path out = dir.resolve("cnn-fp16.onnx");
        LatheCommandTest.Run r = lathe("apply", "sample:digits-cnn", "--fp16-model", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("whole model in float16") && r.out().contains("kept in float32 {BatchNormalization=3}"), r.out());
        assertTrue(r.out().contains("CPU provider runs it"), r.out());
        OnnxModel m = OnnxModel.load(out);
        assertTrue(m.proto().getGraph().getInitializerList().stream().anyMatch(t -> t.getDataType() == ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT16_VALUE));
        try (OrtRunner runner = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1))) {
            assertEquals(10, runner.run(SyntheticInputs.generate(m, InputShapes.of(1, 8), 1)).get("logits").floats().length, "float32 output");
        }
        LatheCommandTest.Run none = lathe("apply", "sample:digits-cnn", "--fp16-model", "--keep-fp32", "none", "--out", dir.resolve("all16.onnx").toString());
        assertTrue(none.out().contains("kept in float32 {}"), none.out());
        LatheCommandTest.Run nothing = lathe("apply", "sample:digits-cnn", "--out", dir.resolve("y.onnx").toString());
        assertEquals(2, nothing.code());
        assertTrue(nothing.err().contains("give --precision, --genome or --fp16-model"), nothing.err());
    }

    @Test
    void aPinnedLayerTheModelLacksStopsTheSearchWithItsName() {
        LatheCommandTest.Run r = lathe("search", "sample:digits-mlp", "--study", dir.resolve("pin.sqlite").toString(), "--budget", "2", "--quick",
                "--in-process", "--sensitivity-samples", "0", "--precisions", "int8,int4_b32", "--layer-precisions", "/no/such/Gemm=fp32");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("precisions are pinned for layer '/no/such/Gemm', which this model does not have"), r.err());
    }
}
