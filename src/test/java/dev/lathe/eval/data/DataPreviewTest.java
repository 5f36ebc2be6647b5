package dev.lathe.eval.data;

import dev.lathe.TestModels;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The data preview on the samples' CSV and text, an image folder, NumPy files and malformed files. */
class DataPreviewTest {
    private static final InputShapes SHAPES = InputShapes.of(1, 128);

    @TempDir
    Path dir;

    @Test
    void sampleCsvShowsItsFirstRowsAndTheSplitTheSearchUses() throws Exception {
        Path csv = TestModels.samples().resolve("digits-mlp/test.csv");
        OnnxModel mlp = OnnxModel.load(TestModels.digitsMlp());
        DataPreview p = DataPreview.describe(csv, null, mlp, SHAPES, null);
        assertNull(p.problem());
        List<String> lines = Files.readAllLines(csv);
        DataPreview.Table t = (DataPreview.Table) p.content();
        assertEquals(65, t.columns());
        assertEquals(lines.size() - 1, t.rowCount());
        assertTrue(t.labelled());
        assertEquals(List.of(lines.get(1).split(",")), t.rows().get(0));
        assertEquals(DataPreview.PREVIEW_ROWS, t.rows().size());
        EvaluationData.Split split = EvaluationData.resolve(mlp, csv, null, SHAPES);
        assertEquals(split.calibration().size(), p.split().calibration());
        assertEquals(split.evaluation().size(), p.split().evaluation());
        // The sample has a calibration.csv beside its test set, which is what calibrates.
        assertEquals(Files.readAllLines(csv.resolveSibling("calibration.csv")).size() - 1, p.split().calibration());
        assertEquals("calibration from calibration.csv", p.split().note());

        // No data given: the search finds test.csv beside the model, and the preview says so.
        DataPreview found = DataPreview.describe(null, null, mlp, SHAPES, null);
        assertTrue(found.found());
        assertEquals("test.csv", found.data().getFileName().toString());
        // Without a model: the structure only.
        assertNull(DataPreview.describe(csv, null, null, SHAPES, null).split());
    }

    @Tag("minilm")
    @Test
    void sampleTextShowsLinesAndTokenLengths() throws Exception {
        Path text = TestModels.sentences();
        OnnxModel minilm = OnnxModel.load(TestModels.minilm());
        DataPreview p = DataPreview.describe(text, TestModels.minilmTokenizer(), minilm, SHAPES, null);
        assertNull(p.problem(), p.problem());
        DataPreview.Text t = (DataPreview.Text) p.content();
        List<String> nonBlank = Files.readAllLines(text).stream().filter(l -> !l.isBlank()).toList();
        assertEquals(nonBlank.size(), t.lineCount());
        assertEquals(nonBlank.subList(0, DataPreview.PREVIEW_ROWS), t.firstLines());
        Dataset all = DatasetLoader.text(text, TestModels.minilmTokenizer(), minilm, 128);
        int longest = all.samples().stream().mapToInt(s -> (int) s.values().iterator().next().shape()[1]).max().orElseThrow();
        assertEquals(longest, t.maxTokens());
        assertEquals(all.size(), p.split().calibration() + p.split().evaluation());
        // A text without a tokenizer anywhere: the loader's message.
        Path elsewhere = Files.copy(text, dir.resolve("lines.txt"));
        OnnxModel detached = OnnxModel.of(minilm.proto());
        DataPreview noTokenizer = DataPreview.describe(elsewhere, null, detached, SHAPES, null);
        assertTrue(noTokenizer.problem().contains("needs a tokenizer"), noTokenizer.problem());
        assertEquals(nonBlank.size(), ((DataPreview.Text) noTokenizer.content()).lineCount(), "the structure is still shown");
    }

    @Test
    void imageFolderCountsPerClassWithThumbnailsOfSeveralClasses() throws Exception {
        Path folder = TestData.digitPngFolder(dir.resolve("digits"), 30);
        OnnxModel cnn = OnnxModel.load(TestModels.digitsCnn());
        DataPreview p = DataPreview.describe(folder, null, cnn, InputShapes.of(1, 8), null);
        assertNull(p.problem(), p.problem());
        DataPreview.Images i = (DataPreview.Images) p.content();
        assertEquals(30, i.count());
        float[][] rows = TestData.digitRows(30);
        for (Map.Entry<String, Integer> e : i.perClass().entrySet()) {
            int digit = Integer.parseInt(e.getKey().substring("digit-".length()));
            long expected = java.util.Arrays.stream(rows).filter(r -> (int) r[64] == digit).count();
            assertEquals(expected, (long) e.getValue(), e.getKey());
        }
        assertEquals(DataPreview.THUMBNAILS, i.thumbnails().size());
        assertEquals(DataPreview.THUMBNAILS, i.thumbnails().stream().map(Path::getParent).distinct().count(), "one thumbnail per class first");
        assertEquals(20, p.split().calibration());
        assertEquals(10, p.split().evaluation());
    }

    @Test
    void numpyArraysAreListedWithDtypesAndShapes() throws Exception {
        Path npz = NpyFiles.npz(dir.resolve("digits.npz"), Map.of(
                "input", NpyFiles.npy("<f4", false, new long[] {3, 64}, NpyFiles.float32(new float[3 * 64])),
                "labels", NpyFiles.npy("<i8", false, new long[] {3}, NpyFiles.int64(1, 2, 3))));
        DataPreview p = DataPreview.describe(npz, null, OnnxModel.load(TestModels.digitsMlp()), SHAPES, null);
        assertNull(p.problem(), p.problem());
        List<String> arrays = ((DataPreview.Arrays) p.content()).arrays().stream().map(DataPreview.ArrayInfo::describe).sorted().toList();
        assertEquals(List.of("input float32 [3, 64]", "labels int64 [3]"), arrays);
        assertEquals(2, p.split().calibration(), "two thirds calibrate");
        assertEquals(1, p.split().evaluation());
    }

    @Test
    void malformedFilesShowTheLoadersMessage() throws Exception {
        Path npy = Files.write(dir.resolve("broken.npy"), new byte[] {1, 2, 3, 4, 5});
        DataPreview p = DataPreview.describe(npy, null, null, SHAPES, null);
        assertTrue(p.problem().startsWith("broken.npy: "), p.problem());
        assertEquals(DataPreview.Kind.NUMPY, p.kind());
        DataFormatException direct = assertThrows(DataFormatException.class, () -> NumpyLoader.read(npy));
        assertEquals(direct.getMessage(), p.problem());

        Path csv = Files.writeString(dir.resolve("short.csv"), "a,b,label\n1,2,0\n3,4,1\n");
        DataPreview wrongWidth = DataPreview.describe(csv, null, OnnxModel.load(TestModels.digitsMlp()), SHAPES, null);
        assertEquals("short.csv: rows have 2 values but input input needs 64 per sample (shape [1, 64])", wrongWidth.problem());
        assertEquals(2, ((DataPreview.Table) wrongWidth.content()).rowCount(), "what could be read is still shown");

        DataPreview missing = DataPreview.describe(dir.resolve("nowhere.csv"), null, null, SHAPES, null);
        assertEquals("nowhere.csv: not found", missing.problem());
    }
}
