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

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ImageFolderLoaderTest {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final InputShapes SHAPES = InputShapes.of(1, 128);

    @TempDir
    Path dir;

    /** 2x2 RGB, row by row: (204,102,51) (0,255,153) / (255,0,0) (51,51,51), i.e. multiples of 0.2 once scaled. */
    private static BufferedImage rgbFixture() {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, rgb(204, 102, 51));
        img.setRGB(1, 0, rgb(0, 255, 153));
        img.setRGB(0, 1, rgb(255, 0, 0));
        img.setRGB(1, 1, rgb(51, 51, 51));
        return img;
    }

    private static int rgb(int r, int g, int b) { return (r << 16) | (g << 8) | b; }

    private static Path png(Path file, BufferedImage img) throws IOException {
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    private static OnnxModel imageModel(Object... inputDims) {
        return TestData.signature("image", FLOAT, inputDims, new Object[] {"N", 2});
    }

    private static void assertFloats(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-5, "value " + i);
    }

    @Test
    void classFoldersGiveSortedLabelsAndNormalizedNchwPixels() throws Exception {
        png(dir.resolve("b_dog/x.png"), rgbFixture());
        png(dir.resolve("a_cat/1.png"), rgbFixture());
        png(dir.resolve("a_cat/2.png"), new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB));
        Files.writeString(dir.resolve("a_cat/notes.txt"), "not an image");
        png(dir.resolve(".thumbnails/t.png"), rgbFixture());

        ImagePreprocessing norm = new ImagePreprocessing(new double[] {0.5, 0.4, 0.2}, new double[] {0.25, 0.5, 0.2});
        Dataset d = DatasetLoader.images(dir, imageModel("N", 3, 2, 2), SHAPES, norm);

        assertEquals(3, d.size(), "hidden folders and non-images are skipped");
        assertArrayEquals(new int[] {0, 0, 1}, d.labels(), "a_cat < b_dog");
        assertArrayEquals(new long[] {1, 3, 2, 2}, d.samples().get(0).get("image").shape());
        // R units 0.8 0 1 0.2 -> (u-0.5)/0.25; G 0.4 1 0 0.2 -> (u-0.4)/0.5; B 0.2 0.6 0 0.2 -> (u-0.2)/0.2
        assertFloats(new float[] {1.2f, -2f, 2f, -1.2f, 0f, 1.2f, -0.8f, -0.4f, 0f, 2f, -1f, 0f}, d.samples().get(0).get("image").floats());
        assertFloats(new float[] {-2, -2, -2, -2, -0.8f, -0.8f, -0.8f, -0.8f, -1, -1, -1, -1}, d.samples().get(1).get("image").floats());
        assertTrue(d.description().contains("2 classes: a_cat, b_dog"), d.description());
    }

    @Test
    void greyImagesFillChannelsLastAndRankThreeInputs() throws Exception {
        BufferedImage grey = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        int[] values = {0, 51, 204, 255};
        for (int p = 0; p < 4; p++) grey.getRaster().setSample(p % 2, p / 2, 0, values[p]);
        png(dir.resolve("g.png"), grey);

        Dataset nhwc = DatasetLoader.images(dir, imageModel("N", 2, 2, 3), SHAPES, ImagePreprocessing.UNIT_RANGE);
        assertNull(nhwc.labels(), "a flat folder is unlabelled");
        assertArrayEquals(new long[] {1, 2, 2, 3}, nhwc.samples().get(0).get("image").shape());
        // raw grey levels, not getRGB's gamma-mapped ones (51 would read as 0.49)
        assertFloats(new float[] {0, 0, 0, 0.2f, 0.2f, 0.2f, 0.8f, 0.8f, 0.8f, 1, 1, 1}, nhwc.samples().get(0).get("image").floats());

        Dataset hw = DatasetLoader.images(dir, imageModel("N", 2, 2), SHAPES, ImagePreprocessing.UNIT_RANGE);
        assertFloats(new float[] {0, 0.2f, 0.8f, 1}, hw.samples().get(0).get("image").floats());
    }

    @Test
    void colourImagesBecomeLumaForOneChannelInputs() throws Exception {
        png(dir.resolve("c.png"), rgbFixture());
        Dataset d = DatasetLoader.images(dir, imageModel("N", 1, 2, 2), SHAPES, ImagePreprocessing.UNIT_RANGE);
        // 0.299 R + 0.587 G + 0.114 B on the scaled values
        assertFloats(new float[] {0.299f * 0.8f + 0.587f * 0.4f + 0.114f * 0.2f, 0.587f + 0.114f * 0.6f, 0.299f, 0.2f},
                d.samples().get(0).get("image").floats());
    }

    @Test
    void imagesAreResizedToTheInputsSides() throws Exception {
        BufferedImage colour = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        BufferedImage grey = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 8; x++) {
                colour.setRGB(x, y, rgb(204, 102, 51));
                grey.getRaster().setSample(x, y, 0, 128);
            }
        png(dir.resolve("colour/c.png"), colour);
        png(dir.resolve("grey/g.png"), grey);

        // Dynamic sides take the sequence-length setting, the "image side".
        Dataset c = DatasetLoader.images(dir.resolve("colour"), imageModel("N", 3, "H", "W"), InputShapes.of(1, 4), ImagePreprocessing.UNIT_RANGE);
        float[] v = c.samples().get(0).get("image").floats();
        assertArrayEquals(new long[] {1, 3, 4, 4}, c.samples().get(0).get("image").shape());
        float[] unit = {0.8f, 0.4f, 0.2f};
        for (int ch = 0; ch < 3; ch++)
            for (int p = 0; p < 16; p++) assertEquals(p % 4 < 2 ? unit[ch] : 0, v[ch * 16 + p], 1e-5, "channel " + ch + " pixel " + p);

        Dataset g = DatasetLoader.images(dir.resolve("grey"), imageModel("N", 1, 4, 4), SHAPES, ImagePreprocessing.UNIT_RANGE);
        float[] gv = g.samples().get(0).get("image").floats();
        for (int p = 0; p < 16; p++) assertEquals(p % 4 < 2 ? 128 / 255f : 0, gv[p], 1e-5, "grey pixel " + p);
    }

    @Test
    void digitsWrittenAsPngsScoreLikeTheCsv() throws Exception {
        TestData.digitPngFolder(dir, 30);
        float[][] rows = TestData.digitRows(30);
        OnnxModel cnn = OnnxModel.load(TestModels.digitsCnn());
        Dataset images = DatasetLoader.images(dir, cnn, SHAPES, ImagePreprocessing.UNIT_RANGE);
        ImageFolderLoader.Listing listing = ImageFolderLoader.list(dir);
        assertEquals(30, images.size());
        for (int k = 0; k < 30; k++) {
            int row = Integer.parseInt(listing.files().get(k).getFileName().toString().substring(0, 3));
            assertEquals((int) rows[row][64], images.labels()[k], "label from the class folder");
            float[] x = images.samples().get(k).get("input").floats();
            for (int p = 0; p < 64; p++) assertEquals(rows[row][p], x[p], 1e-5);
        }
        QualityEvaluator q = new QualityEvaluator(cnn, images, OrtRunner.RunnerSettings.cpu(1));
        QualityReport r = q.evaluate(cnn);
        assertEquals(1.0, r.accuracy(), "the CNN classifies all 540 test digits correctly, so these 30 too");
        assertEquals(1.0, r.fidelity());

        EvaluationData.Split split = EvaluationData.resolve(cnn, dir, null, SHAPES);
        assertEquals(20, split.calibration().size());
        assertEquals(10, split.evaluation().size());
        assertTrue(split.evaluation().hasLabels() && split.calibration().hasLabels());
        assertNotEquals(split.calibration().fingerprint(), split.evaluation().fingerprint());
        assertEquals(split.evaluation().fingerprint(), EvaluationData.resolve(cnn, dir, null, SHAPES).evaluation().fingerprint(), "the split is fixed");
        assertTrue(split.evaluation().description().contains("[evaluation: 10 of 30, fixed shuffle]"), split.evaluation().description());
    }

    @Test
    void malformedFoldersAreRejectedNamingTheProblem() throws Exception {
        OnnxModel model = imageModel("N", 3, 2, 2);
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("readme.md"), "no pictures here");
        assertMessage("empty: no images (png, jpg, jpeg, bmp, gif) in the folder or in class sub-folders",
                () -> DatasetLoader.images(empty, model, SHAPES, ImagePreprocessing.UNIT_RANGE));

        Path emptyClass = dir.resolve("classes");
        png(emptyClass.resolve("cat/1.png"), rgbFixture());
        Files.createDirectories(emptyClass.resolve("dog"));
        assertMessage("classes: class folder 'dog' holds no images", () -> DatasetLoader.images(emptyClass, model, SHAPES, ImagePreprocessing.UNIT_RANGE));

        Path mixed = dir.resolve("mixed");
        png(mixed.resolve("cat/1.png"), rgbFixture());
        png(mixed.resolve("loose.png"), rgbFixture());
        assertMessage("mixed: holds both images (loose.png, ...) and sub-folders (cat, ...)", () -> DatasetLoader.images(mixed, model, SHAPES, ImagePreprocessing.UNIT_RANGE));

        Path broken = dir.resolve("broken");
        Files.createDirectories(broken.resolve("cat"));
        Files.write(broken.resolve("cat/bad.png"), new byte[] {1, 2, 3, 4});
        assertMessage("broken: cat/bad.png is not a readable image", () -> DatasetLoader.images(broken, model, SHAPES, ImagePreprocessing.UNIT_RANGE));

        Path three = dir.resolve("three");
        for (String c : List.of("a", "b", "c")) png(three.resolve(c + "/1.png"), rgbFixture());
        assertMessage("three: 3 class sub-folders but the model's output has 2 classes; labels 2..2 (c, ...) would be out of range",
                () -> DatasetLoader.images(three, model, SHAPES, ImagePreprocessing.UNIT_RANGE));

        OnnxModel mlp = OnnxModel.load(TestModels.digitsMlp());
        assertMessage("three: model input 'input' float32[batch,64] is not an image input",
                () -> DatasetLoader.images(three, mlp, SHAPES, ImagePreprocessing.UNIT_RANGE));

        ImagePreprocessing imagenet = new ImagePreprocessing(new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225});
        assertMessage("three: image mean/std give 3 channels but the model's input takes 1",
                () -> DatasetLoader.images(three, imageModel("N", 1, 2, 2), SHAPES, imagenet));

        assertMessage("nowhere: not found", () -> EvaluationData.resolve(model, dir.resolve("nowhere"), null, SHAPES));
    }

    @Test
    void preprocessingComesFromTheModelsPreprocessorConfig() throws Exception {
        Path json = dir.resolve(ImagePreprocessing.PREPROCESSOR_CONFIG);
        Files.writeString(json, "{\"do_normalize\": true, \"image_mean\": [0.5, 0.5, 0.5], \"image_std\": [0.25, 0.25, 0.25], \"size\": 224}");
        assertEquals(new ImagePreprocessing(new double[] {0.5, 0.5, 0.5}, new double[] {0.25, 0.25, 0.25}),
                ImagePreprocessing.fromPreprocessorConfig(json).orElseThrow());
        Files.writeString(json, "{\"do_normalize\": false, \"image_mean\": [0.5, 0.5, 0.5]}");
        assertEquals(ImagePreprocessing.UNIT_RANGE, ImagePreprocessing.fromPreprocessorConfig(json).orElseThrow());
        Files.writeString(json, "{\"image_std\": [0, 1, 1]}");
        assertMessage(ImagePreprocessing.PREPROCESSOR_CONFIG + ": image std values must be positive", () -> ImagePreprocessing.fromPreprocessorConfig(json));
        assertTrue(ImagePreprocessing.fromPreprocessorConfig(dir.resolve("absent.json")).isEmpty());
    }

    static void assertMessage(String expectedStart, org.junit.jupiter.api.function.Executable call) {
        DataFormatException e = assertThrows(DataFormatException.class, call);
        assertTrue(e.getMessage().startsWith(expectedStart), "expected '" + expectedStart + "...' but got: " + e.getMessage());
    }
}
