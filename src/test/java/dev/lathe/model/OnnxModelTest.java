package dev.lathe.model;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class OnnxModelTest {
    @TempDir
    Path dir;

    @Test
    void truncatedFileIsRejectedNamingTheFile() throws Exception {
        byte[] bytes = Files.readAllBytes(TestModels.digitsMlp());
        Path cut = dir.resolve("cut.onnx");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxModel.load(cut));
        assertTrue(e.getMessage().startsWith("cut.onnx: "), e.getMessage());
    }

    @Test
    void garbageAndMissingFilesAreRejected() throws Exception {
        Path junk = dir.resolve("junk.onnx");
        Files.writeString(junk, "this is not a model");
        assertThrows(ModelFormatException.class, () -> OnnxModel.load(junk));
        ModelFormatException missing = assertThrows(ModelFormatException.class, () -> OnnxModel.load(dir.resolve("nope.onnx")));
        assertTrue(missing.getMessage().contains("not found"));
    }

    @Test
    void externalDataRoundTripsAndRunsIdentically() throws Exception {
        OnnxModel original = OnnxModel.load(TestModels.digitsMlp());
        Path out = dir.resolve("ext/model.onnx");
        original.save(out, 0); // threshold 0 forces every weight out to model.onnx.data
        assertTrue(Files.size(out.resolveSibling("model.onnx.data")) > 60_000);
        assertTrue(Files.size(out) < 5_000, "weights should live in the data file");
        OnnxModel reloaded = OnnxModel.load(out);
        var in = SyntheticInputs.generate(original, InputShapes.of(4, 1), 3);
        try (OrtRunner a = OrtRunner.of(original, OrtRunner.RunnerSettings.cpu(1)); OrtRunner b = OrtRunner.of(reloaded, OrtRunner.RunnerSettings.cpu(1))) {
            assertArrayEquals(a.run(in).get("logits").floats(), b.run(in).get("logits").floats());
        }
    }

    @Test
    void externalDataOutsideTheModelFolderIsRefused() throws Exception {
        OnnxModel original = OnnxModel.load(TestModels.digitsMlp());
        var b = original.proto().toBuilder();
        TensorProto t = b.getGraph().getInitializer(0);
        b.getGraphBuilder().setInitializer(0, t.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("../secret.bin")).build());
        Path evil = dir.resolve("sub/evil.onnx");
        Files.createDirectories(evil.getParent());
        Files.write(evil, b.build().toByteArray());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxModel.load(evil));
        assertTrue(e.getMessage().contains("leaves the model's folder"), e.getMessage());
    }

    @Test
    void saveNeverLeavesAHalfWrittenFileInPlace() throws Exception {
        OnnxModel m = OnnxModel.load(TestModels.digitsMlp());
        Path target = dir.resolve("m.onnx");
        m.save(target);
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "only the model itself, no temporary files");
        }
        assertEquals(m.proto(), OnnxModel.load(target).proto());
    }
}
