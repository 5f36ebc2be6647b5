package dev.lathe.model;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Which way a model goes to ONNX Runtime ({@link ModelImage}): bytes under the external-data threshold; over it (here
 * lowered to 1 KiB, so a 12 KB MLP stands for a model over 2 GB) its own file when it was loaded from one, else a
 * temporary {@code model.onnx} plus {@code model.onnx.data} that runs like the original and is gone after close.
 */
class ModelImageTest {
    @TempDir
    Path dir;

    @BeforeEach
    void lowerThreshold() {
        System.setProperty(OnnxModel.THRESHOLD_PROPERTY, "1024");
    }

    @AfterEach
    void restoreThreshold() {
        System.clearProperty(OnnxModel.THRESHOLD_PROPERTY);
    }

    @Test
    void aModelOverTheThresholdGoesByFileAndItsTemporaryCopyRunsLikeTheOriginalThenIsDeleted() throws Exception {
        Path file = LargeModelMaker.write(dir.resolve("mlp"), 32, 48);
        OnnxModel original = OnnxModel.load(file);
        assertTrue(original.totalInitializerBytes() > OnnxModel.externalDataThreshold());

        try (ModelImage own = ModelImage.of(original)) {
            assertFalse(own.inMemory());
            assertEquals(file.toAbsolutePath(), own.file(), "a loaded model goes by its own file");
            assertEquals(Files.size(file) + Files.size(file.resolveSibling("model.onnx.data")), own.sizeBytes());
        }
        assertTrue(Files.exists(file.resolveSibling("model.onnx.data")), "closing leaves the user's files alone");

        // A model built in memory (a candidate) has no file: it is written once, with external data.
        OnnxModel built = OnnxModel.of(original.proto().toBuilder().setDocString("a candidate").build());
        Map<String, TensorData> in = Map.of("x", TensorData.ofFloats(new long[] {3, 32}, inputs(3 * 32)));
        Path folder;
        try (ModelImage copy = ModelImage.of(built);
             OrtRunner fromCopy = new OrtRunner(copy, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner fromOriginal = OrtRunner.silent(null, file, OrtRunner.RunnerSettings.cpu(1))) {
            assertFalse(copy.inMemory());
            folder = copy.file().getParent();
            Path data = copy.file().resolveSibling("model.onnx.data");
            assertTrue(Files.size(copy.file()) < 1000 && Files.size(data) >= original.totalInitializerBytes(), "weights in the data file");
            ModelProto written = ModelProto.parseFrom(Files.readAllBytes(copy.file()));
            assertTrue(written.getGraph().getInitializerList().stream().allMatch(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL));
            assertArrayEquals(fromOriginal.run(in).get("y").floats(), fromCopy.run(in).get("y").floats());
        }
        assertFalse(Files.exists(folder), "the temporary folder is deleted on close");

        // OrtRunner.of owns its temporary copy: gone when the runner closes.
        OrtRunner owned = OrtRunner.of(built, OrtRunner.RunnerSettings.cpu(1));
        assertEquals(3, owned.run(in).get("y").shape()[0]);
        owned.close();

        System.clearProperty(OnnxModel.THRESHOLD_PROPERTY);
        try (ModelImage bytes = ModelImage.of(built)) {
            assertTrue(bytes.inMemory(), "under the 1 GiB default a model goes as bytes");
            assertArrayEquals(built.toBytes(), bytes.bytes());
        }
    }

    @Test
    void aGraphLoadedWithoutItsExternalWeightsRunsOnlyFromItsFile() throws Exception {
        Path file = LargeModelMaker.write(dir.resolve("mlp"), 16, 24);
        OnnxModel graph = OnnxModel.loadGraph(file);
        assertTrue(graph.weightsOnDisk());
        assertEquals(OnnxModel.load(file).parameterCount(), graph.parameterCount(), "dims are there, the bytes are not");
        assertEquals(0, graph.totalInitializerBytes());
        assertThrows(IllegalStateException.class, graph::toBytes);
        assertThrows(IllegalStateException.class, () -> graph.save(dir.resolve("copy/model.onnx")));
        System.clearProperty(OnnxModel.THRESHOLD_PROPERTY); // whatever the threshold, it goes by its file
        try (ModelImage image = ModelImage.of(graph)) {
            assertEquals(file.toAbsolutePath(), image.file());
        }
        Path inline = dir.resolve("inline/model.onnx");
        OnnxModel.load(file).save(inline);
        assertFalse(OnnxModel.loadGraph(inline).weightsOnDisk(), "without external data it is an ordinary load");
    }

    @Test
    void theContentDigestOfAModelIsItsProtoWithoutWeightsThenEveryWeight() throws Exception {
        OnnxModel a = OnnxModel.load(LargeModelMaker.write(dir.resolve("a"), 8, 12));
        OnnxModel same = OnnxModel.of(a.proto());
        ModelProto.Builder changed = a.proto().toBuilder();
        TensorProto w = changed.getGraph().getInitializer(0);
        byte[] raw = w.getRawData().toByteArray();
        raw[5] ^= 1;
        changed.getGraphBuilder().setInitializer(0, w.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(raw)));
        assertEquals(a.contentSha256(), same.contentSha256());
        assertNotEquals(a.contentSha256(), OnnxModel.of(changed.build()).contentSha256(), "one flipped bit of a weight changes it");
    }

    @Test
    void aTensorOver2GiBIsRefusedNamingItAndTheLimit() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("huge"));
        Files.write(folder.resolve("model.onnx.data"), new byte[16]);
        Path file = LargeModelMaker.write(dir.resolve("mlp"), 8, 12);
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(file));
        ModelProto.Builder b = m.toBuilder();
        TensorProto w1 = b.getGraph().getInitializer(0);
        // 2^29 x 2 floats: 4 GiB in one tensor.
        b.getGraphBuilder().setInitializer(0, w1.toBuilder().clearDims().addDims(1L << 29).addDims(2).clearExternalData()
                .addExternalData(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("model.onnx.data"))
                .addExternalData(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder().setKey("offset").setValue("0")));
        Path huge = folder.resolve("model.onnx");
        Files.write(huge, b.build().toByteArray());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxModel.load(huge));
        assertTrue(e.getMessage().contains("tensor w1 holds 4294967296 bytes") && e.getMessage().contains("2 GiB"), e.getMessage());
    }

    private static float[] inputs(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.cos(i * 0.21);
        return x;
    }
}
