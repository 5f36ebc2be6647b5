package dev.lathe.eval.data;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.TestModels;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.eval.quality.QualityReport;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.lathe.eval.data.ImageFolderLoaderTest.assertMessage;
import static dev.lathe.eval.data.NpyFiles.*;
import static org.junit.jupiter.api.Assertions.*;

class NumpyLoaderTest {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int INT64 = TensorProto.DataType.INT64_VALUE;

    @TempDir
    Path dir;

    /** Two samples of two values each, in every dtype: float model input. */
    @Test
    void everyDtypeFeedsAFloatInput() throws Exception {
        OnnxModel model = TestData.signature("x", FLOAT, new Object[] {"N", 2}, new Object[] {"N", 2});
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("<f4", float32(1.5f, -2f, 0.25f, 3f));
        cases.put("<f8", float64(1.5, -2, 0.25, 3));
        cases.put("<i8", int64(7, -2, 0, 3));
        cases.put("<i4", int32(7, -2, 0, 3));
        cases.put("|u1", new byte[] {7, (byte) 200, 0, 3});
        cases.put("|b1", new byte[] {1, 0, 0, 1});
        Map<String, float[]> expected = Map.of(
                "<f4", new float[] {1.5f, -2f, 0.25f, 3f}, "<f8", new float[] {1.5f, -2f, 0.25f, 3f},
                "<i8", new float[] {7, -2, 0, 3}, "<i4", new float[] {7, -2, 0, 3},
                "|u1", new float[] {7, 200, 0, 3}, "|b1", new float[] {1, 0, 0, 1});
        for (var c : cases.entrySet()) {
            Path f = write(dir.resolve("x" + c.getKey().substring(1) + ".npy"), npy(c.getKey(), false, new long[] {2, 2}, c.getValue()));
            Dataset d = DatasetLoader.numpy(f, model);
            assertEquals(2, d.size(), c.getKey());
            assertNull(d.labels());
            float[] both = new float[4];
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(new long[] {1, 2}, d.samples().get(i).get("x").shape());
                System.arraycopy(d.samples().get(i).get("x").floats(), 0, both, 2 * i, 2);
            }
            assertArrayEquals(expected.get(c.getKey()), both, c.getKey());
        }
    }

    @Test
    void integerDtypesFeedIntegerInputsAndFloatsAreRefused() throws Exception {
        OnnxModel model = TestData.signature("ids", INT64, new Object[] {"N", 3}, new Object[] {"N", 3});
        Map<String, byte[]> cases = Map.of("<i8", int64(101, 7592, 102, 5, 6, Long.MAX_VALUE), "<i4", int32(101, 7592, 102, 5, 6, -1),
                "|u1", new byte[] {101, 1, 102, 5, 6, (byte) 255}, "|b1", new byte[] {1, 0, 1, 1, 1, 0});
        Map<String, long[]> expected = Map.of("<i8", new long[] {5, 6, Long.MAX_VALUE}, "<i4", new long[] {5, 6, -1},
                "|u1", new long[] {5, 6, 255}, "|b1", new long[] {1, 1, 0});
        for (var c : cases.entrySet()) {
            Path f = write(dir.resolve("ids" + c.getKey().substring(1) + ".npy"), npy(c.getKey(), false, new long[] {2, 3}, c.getValue()));
            assertArrayEquals(expected.get(c.getKey()), DatasetLoader.numpy(f, model).samples().get(1).get("ids").longs(), c.getKey());
        }
        Path floats = write(dir.resolve("ids.npy"), npy("<f4", false, new long[] {1, 3}, float32(1, 2, 3)));
        assertMessage("ids.npy: the array holds float32 but model input 'ids' takes int64", () -> DatasetLoader.numpy(floats, model));
    }

    @Test
    void npzArraysAreMatchedToInputNamesWithLabels() throws Exception {
        OnnxModel model = TestData.inputs(FLOAT, List.of("a", "b"), List.of(new Object[] {"N", 2}, new Object[] {"N", 1, "T"}), 3);
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        arrays.put("b", npy("<f8", false, new long[] {3, 1, 4}, float64(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)));
        arrays.put("a", npy("<f4", false, new long[] {3, 2}, float32(1, 2, 3, 4, 5, 6)));
        arrays.put("labels", npy("<i8", false, new long[] {3}, int64(2, 0, 1)));
        Dataset d = DatasetLoader.numpy(npz(dir.resolve("set.npz"), arrays), model);
        assertEquals(3, d.size());
        assertArrayEquals(new int[] {2, 0, 1}, d.labels());
        assertArrayEquals(new float[] {5, 6}, d.samples().get(2).get("a").floats());
        assertArrayEquals(new long[] {1, 1, 4}, d.samples().get(1).get("b").shape(), "a dynamic axis takes the array's size");
        assertArrayEquals(new float[] {4, 5, 6, 7}, d.samples().get(1).get("b").floats());

        arrays.put("labels", npy("<i4", false, new long[] {3}, int32(2, 3, 1)));
        assertMessage("set.npz: 'labels'[1] is out of range: model output 'scores' has 3 classes (0..2)",
                () -> DatasetLoader.numpy(npz(dir.resolve("set.npz"), arrays), model));
        arrays.put("labels", npy("<f4", false, new long[] {3}, float32(2, 0, 1)));
        assertMessage("set.npz: 'labels' holds float32; class labels must be integers", () -> DatasetLoader.numpy(npz(dir.resolve("set.npz"), arrays), model));
        arrays.put("labels", npy("<i8", false, new long[] {2}, int64(2, 0)));
        assertMessage("set.npz: 'labels' has 2 entries for 3 samples", () -> DatasetLoader.numpy(npz(dir.resolve("set.npz"), arrays), model));
        arrays.remove("labels");
        arrays.put("label", npy("<i8", false, new long[] {3}, int64(2, 0, 1)));
        assertMessage("set.npz: array 'label' is neither a model input (a, b) nor 'labels'", () -> DatasetLoader.numpy(npz(dir.resolve("set.npz"), arrays), model));
        arrays.remove("label");
        arrays.put("a", npy("<f4", false, new long[] {2, 2}, float32(1, 2, 3, 4)));
        assertMessage("set.npz: array 'b' has 3 samples but 'a' has 2", () -> DatasetLoader.numpy(npz(dir.resolve("set.npz"), arrays), model));
        arrays.remove("a");
        assertMessage("set.npz: no array named 'a' for model input 'a' (the file holds b)", () -> DatasetLoader.numpy(npz(dir.resolve("set.npz"), arrays), model));

        Path single = write(dir.resolve("one.npy"), npy("<f4", false, new long[] {1, 2}, float32(1, 2)));
        assertMessage("one.npy: a .npy holds one array but the model has 2 inputs (a, b)", () -> DatasetLoader.numpy(single, model));
    }

    @Test
    void digitsSavedAsNpzScoreExactlyLikeTheCsv() throws Exception {
        float[][] rows = TestData.digitRows(30);
        float[] pixels = new float[30 * 64];
        long[] labels = new long[30];
        for (int i = 0; i < 30; i++) {
            System.arraycopy(rows[i], 0, pixels, i * 64, 64);
            labels[i] = (long) rows[i][64];
        }
        Path file = npz(dir.resolve("digits.npz"), Map.of(
                "input", npy("<f4", false, new long[] {30, 1, 8, 8}, float32(pixels)),
                "labels", npy("<i8", false, new long[] {30}, int64(labels))));
        OnnxModel cnn = OnnxModel.load(TestModels.digitsCnn());
        Dataset fromNpz = DatasetLoader.numpy(file, cnn);
        Dataset fromCsv = DatasetLoader.csv(TestModels.samples().resolve("digits-cnn/test.csv"), cnn).head(30);
        assertArrayEquals(fromCsv.labels(), fromNpz.labels());
        for (int i = 0; i < 30; i++) {
            assertArrayEquals(fromCsv.samples().get(i).get("input").shape(), fromNpz.samples().get(i).get("input").shape());
            assertArrayEquals(fromCsv.samples().get(i).get("input").floats(), fromNpz.samples().get(i).get("input").floats());
        }
        QualityReport viaNpz = new QualityEvaluator(cnn, fromNpz, OrtRunner.RunnerSettings.cpu(1)).evaluate(cnn);
        QualityReport viaCsv = new QualityEvaluator(cnn, fromCsv, OrtRunner.RunnerSettings.cpu(1)).evaluate(cnn);
        assertEquals(viaCsv, viaNpz);
        assertEquals(1.0, viaNpz.accuracy());

        EvaluationData.Split split = EvaluationData.resolve(cnn, file, null, InputShapes.of(1, 128));
        assertEquals(20, split.calibration().size());
        assertEquals(10, split.evaluation().size());
        int[] order = new int[30];
        int k = 0;
        for (Dataset part : List.of(split.calibration(), split.evaluation()))
            for (var s : part.samples())
                for (int i = 0; i < 30; i++)
                    if (Arrays.equals(s.get("input").floats(), fromCsv.samples().get(i).get("input").floats())) { order[k++] = i; break; }
        assertEquals(30, k);
        assertEquals(30, Arrays.stream(order).distinct().count(), "calibration and evaluation are disjoint and together the whole file");
    }

    @Test
    void malformedNpyIsRejectedNamingTheFileAndProblem() throws Exception {
        OnnxModel cnn = OnnxModel.load(TestModels.digitsCnn());
        byte[] good = npy("<f4", false, new long[] {2, 1, 8, 8}, float32(new float[128]));

        Path truncated = write(dir.resolve("truncated.npy"), Arrays.copyOf(good, good.length - 10));
        assertMessage("truncated.npy: truncated: shape [2, 1, 8, 8] of float32 needs 512 data bytes, the file holds 502", () -> DatasetLoader.numpy(truncated, cnn));
        Path headerCut = write(dir.resolve("cut.npy"), Arrays.copyOf(good, 40));
        assertMessage("cut.npy: truncated inside the .npy header", () -> DatasetLoader.numpy(headerCut, cnn));
        byte[] magic = good.clone();
        magic[1] = 'X';
        Path badMagic = write(dir.resolve("magic.npy"), magic);
        assertMessage("magic.npy: not a NumPy .npy array", () -> DatasetLoader.numpy(badMagic, cnn));
        Path fortran = write(dir.resolve("fortran.npy"), npy("<f4", true, new long[] {2, 1, 8, 8}, float32(new float[128])));
        assertMessage("fortran.npy: stored in Fortran (column-major) order", () -> DatasetLoader.numpy(fortran, cnn));
        Path bigEndian = write(dir.resolve("big.npy"), npy(">f4", false, new long[] {2, 1, 8, 8}, float32(new float[128])));
        assertMessage("big.npy: big-endian dtype '>f4' is not supported", () -> DatasetLoader.numpy(bigEndian, cnn));
        Path object = write(dir.resolve("object.npy"), npy("|O", false, new long[] {2}, new byte[16]));
        assertMessage("object.npy: object arrays (pickled Python objects) cannot be read", () -> DatasetLoader.numpy(object, cnn));
        Path half = write(dir.resolve("half.npy"), npy("<f2", false, new long[] {2, 1, 8, 8}, new byte[256]));
        assertMessage("half.npy: dtype '<f2' is not supported (float32, float64, int64, int32, uint8 or bool)", () -> DatasetLoader.numpy(half, cnn));
        Path wrongSide = write(dir.resolve("side.npy"), npy("<f4", false, new long[] {2, 1, 8, 9}, float32(new float[144])));
        assertMessage("side.npy: the array [2, 1, 8, 9] does not fit model input 'input' float32[batch,1,8,8]: axis 3 is 9, the model needs 8",
                () -> DatasetLoader.numpy(wrongSide, cnn));
        Path wrongRank = write(dir.resolve("rank.npy"), npy("<f4", false, new long[] {2, 64}, float32(new float[128])));
        assertMessage("rank.npy: the array [2, 64] does not fit model input 'input' float32[batch,1,8,8]: it has 2 axes, the input has 4",
                () -> DatasetLoader.numpy(wrongRank, cnn));
        Path notZip = write(dir.resolve("plain.npz"), good);
        assertMessage("plain.npz: not a readable .npz (zip) archive", () -> DatasetLoader.numpy(notZip, cnn));
        Map<String, byte[]> entries = Map.of("input", Arrays.copyOf(good, good.length - 4));
        Path badEntry = npz(dir.resolve("entry.npz"), entries);
        assertMessage("entry.npz: array 'input': truncated", () -> DatasetLoader.numpy(badEntry, cnn));
        assertMessage("missing.npy: file not found", () -> DatasetLoader.numpy(dir.resolve("missing.npy"), cnn));
    }

    @Test
    void headersOfVersionTwoAndPythonTwoLongsAreRead() throws Exception {
        // Version 2.0 widens the header length to four bytes; old NumPy wrote shapes as Python 2 longs (3L,).
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 2L), }";
        String header = dict + " ".repeat(64 - (12 + dict.length() + 1) % 64) + "\n";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + header.length() + 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes()).put((byte) 2).put((byte) 0).putInt(header.length()).put(header.getBytes()).put(float32(1, 2, 3, 4));
        NpyArray a = NpyArray.parse(b.array(), dir.resolve("v2.npy"), null);
        assertArrayEquals(new long[] {2, 2}, a.shape());
        assertArrayEquals(new float[] {3, 4}, a.floats(2, 2));
    }
}
