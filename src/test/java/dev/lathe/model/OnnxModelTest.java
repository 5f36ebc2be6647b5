package dev.lathe.model;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

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

    /**
     * A save over an existing model with external data fails part-way (the disk fills while writing the data file,
     * or while writing the model after the data is complete): both files the user had are byte-for-byte intact, still
     * load as a pair, and no temporary file is left behind.
     */
    @ParameterizedTest(name = "write {0} fails")
    @ValueSource(ints = {1, 2})
    void saveNeverLeavesAHalfWrittenFileInPlace(int failingWrite) throws Exception {
        OnnxModel old = OnnxModel.load(TestModels.digitsMlp());
        Path target = dir.resolve("m.onnx");
        old.save(target, 0);
        Map<Path, byte[]> before = contents(dir);
        assertEquals(Set.of("m.onnx", "m.onnx.data"), names(before.keySet()));

        OnnxModel changed = withScaledFirstWeight(old, 2f);
        int[] opened = {0};
        OnnxModel.TempOutput fillsUp = tmp -> ++opened[0] == failingWrite ? new DiskFullAfter(Files.newOutputStream(tmp), 1000) : Files.newOutputStream(tmp);
        assertThrows(IOException.class, () -> changed.save(target, 0, fillsUp));

        Map<Path, byte[]> after = contents(dir);
        assertEquals(names(before.keySet()), names(after.keySet()), "no temporary file left, no file lost");
        before.forEach((f, bytes) -> assertArrayEquals(bytes, after.get(f), f + " changed although the save failed"));
        assertEquals(OnnxModel.load(TestModels.digitsMlp()).proto(), OnnxModel.load(target).proto(), "the old pair still loads as the old model");
    }

    @Test
    void resavingAModelWithExternalDataReplacesThePairAndLeavesNoStaleFile() throws Exception {
        OnnxModel old = OnnxModel.load(TestModels.digitsMlp());
        Path target = dir.resolve("m.onnx");
        old.save(target, 0);
        OnnxModel changed = withScaledFirstWeight(old, 2f);
        changed.save(target, 0);
        assertEquals(changed.proto(), OnnxModel.load(target).proto());
        changed.save(target, 0); // and once more, over the pair the last save wrote
        assertEquals(changed.proto(), OnnxModel.load(target).proto());
        Set<String> files = names(contents(dir).keySet());
        assertEquals(2, files.size(), "the model and the one data file it uses: " + files);
        assertTrue(files.contains("m.onnx"));
    }

    @Test
    void savingAnInlineModelLeavesOnlyTheModel() throws Exception {
        OnnxModel m = OnnxModel.load(TestModels.digitsMlp());
        Path target = dir.resolve("m.onnx");
        m.save(target);
        assertEquals(Set.of("m.onnx"), names(contents(dir).keySet()), "only the model itself, no temporary files");
        assertEquals(m.proto(), OnnxModel.load(target).proto());
    }

    private static OnnxModel withScaledFirstWeight(OnnxModel m, float factor) {
        var b = m.proto().toBuilder();
        TensorProto w = b.getGraph().getInitializer(0);
        float[] values = Tensors.toFloats(w);
        for (int i = 0; i < values.length; i++) values[i] *= factor;
        b.getGraphBuilder().setInitializer(0, Tensors.floats(w.getName(), Tensors.dims(w), values));
        return OnnxModel.of(b.build());
    }

    private static Map<Path, byte[]> contents(Path folder) throws IOException {
        Map<Path, byte[]> out = new TreeMap<>();
        try (var s = Files.list(folder)) {
            for (Path f : s.toList()) out.put(f, Files.readAllBytes(f));
        }
        return out;
    }

    private static Set<String> names(Set<Path> files) {
        Set<String> out = new TreeSet<>();
        files.forEach(f -> out.add(f.getFileName().toString()));
        return out;
    }

    /** Passes the first bytes through, then fails as a full disk does. */
    private static final class DiskFullAfter extends FilterOutputStream {
        private long left;

        DiskFullAfter(OutputStream out, long bytes) {
            super(out);
            this.left = bytes;
        }

        @Override
        public void write(int b) throws IOException {
            if (left-- <= 0) throw new IOException("No space left on device");
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) write(b[off + i]);
        }
    }
}
