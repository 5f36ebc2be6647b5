package dev.lathe.eval.data;

import dev.lathe.TestModels;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.transform.CandidateBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;

import static dev.lathe.eval.data.ImageFolderLoaderTest.assertMessage;
import static org.junit.jupiter.api.Assertions.*;

class EvaluationDataTest {
    @TempDir
    Path dir;

    @Test
    void theFixedSplitIsDisjointCappedAndTheSameEveryTime() {
        int[][] split = EvaluationData.fixedSplit(30);
        assertEquals(20, split[0].length);
        assertEquals(10, split[1].length);
        int[] all = IntStream.concat(Arrays.stream(split[0]), Arrays.stream(split[1])).sorted().toArray();
        assertArrayEquals(IntStream.range(0, 30).toArray(), all, "every sample once");
        assertArrayEquals(split[1], EvaluationData.fixedSplit(30)[1]);
        assertFalse(Arrays.equals(IntStream.range(20, 30).toArray(), split[1]), "shuffled, so label-sorted data still mixes");

        int[][] big = EvaluationData.fixedSplit(6000);
        assertEquals(EvaluationData.MAX_CALIBRATION_SAMPLES, big[0].length);
        assertEquals(EvaluationData.MAX_EVALUATION_SAMPLES, big[1].length);
        assertEquals(CandidateBuilder.MAX_CALIBRATION_SAMPLES, EvaluationData.MAX_CALIBRATION_SAMPLES, "no sample is decoded that calibration would not use");

        int[][] tiny = EvaluationData.fixedSplit(2);
        assertEquals(2, tiny[0].length);
        assertEquals(2, tiny[1].length, "too few to split: both parts use all");
    }

    @Test
    void theLoaderFollowsThePath() throws Exception {
        OnnxModel cnn = OnnxModel.load(TestModels.digitsCnn());
        InputShapes shapes = InputShapes.of(1, 128);
        Path images = TestData.digitPngFolder(Files.createDirectories(dir.resolve("digits")), 6);
        assertTrue(EvaluationData.resolve(cnn, images, null, shapes).evaluation().description().startsWith("digits/ (6 images, "));

        Path npy = NpyFiles.write(dir.resolve("x.npy"), NpyFiles.npy("<f4", false, new long[] {3, 1, 8, 8}, NpyFiles.float32(new float[192])));
        EvaluationData.Split s = EvaluationData.resolve(cnn, npy, null, shapes);
        assertEquals(2, s.calibration().size());
        assertEquals(1, s.evaluation().size());
        assertFalse(s.evaluation().hasLabels());

        Path csv = TestModels.samples().resolve("digits-cnn/test.csv");
        EvaluationData.Split c = EvaluationData.resolve(cnn, csv, null, shapes);
        assertEquals(540, c.evaluation().size(), "a CSV evaluates whole");
        assertEquals(200, c.calibration().size(), "calibration.csv beside it calibrates");

        Path other = Files.writeString(dir.resolve("x.parquet"), "?");
        assertMessage("x.parquet: unknown data format (use a folder of images, .npy/.npz NumPy tensors, .csv", () -> EvaluationData.resolve(cnn, other, null, shapes));
    }
}
