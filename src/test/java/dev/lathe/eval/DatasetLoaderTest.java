package dev.lathe.eval;

import dev.lathe.TestModels;
import dev.lathe.eval.data.DataFormatException;
import dev.lathe.eval.data.Dataset;
import dev.lathe.eval.data.DatasetLoader;
import dev.lathe.model.OnnxModel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class DatasetLoaderTest {
    @TempDir
    Path dir;

    @Test
    void csvSamplesTakeTheModelsInputShapeAndLabels() {
        OnnxModel cnn = OnnxModel.load(TestModels.digitsCnn());
        Dataset d = DatasetLoader.csv(TestModels.samples().resolve("digits-cnn/test.csv"), cnn);
        assertEquals(540, d.size());
        assertArrayEquals(new long[] {1, 1, 8, 8}, d.samples().get(0).get("input").shape());
        assertTrue(d.hasLabels());
        assertFalse(d.synthetic());
    }

    @Test
    void csvWithTheWrongWidthOrTextIsRejectedClearly() throws Exception {
        OnnxModel mlp = OnnxModel.load(TestModels.digitsMlp());
        Path narrow = dir.resolve("narrow.csv");
        Files.writeString(narrow, "a,b,label\n1,2,3\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> DatasetLoader.csv(narrow, mlp));
        assertTrue(e.getMessage().startsWith("narrow.csv: rows have 2 values but input input needs 64"), e.getMessage());

        StringBuilder header = new StringBuilder();
        for (int i = 0; i < 64; i++) header.append("x").append(i).append(',');
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, header + "label\n" + "0,".repeat(63) + "oops,1\n");
        DataFormatException e2 = assertThrows(DataFormatException.class, () -> DatasetLoader.csv(bad, mlp));
        assertTrue(e2.getMessage().contains("'oops' is not a number"), e2.getMessage());

        assertThrows(DataFormatException.class, () -> DatasetLoader.csv(dir.resolve("missing.csv"), mlp));
    }

    @Test
    void csvLabelsMustBeClassIndicesTheModelHas() throws Exception {
        OnnxModel mlp = OnnxModel.load(TestModels.digitsMlp());
        StringBuilder header = new StringBuilder();
        for (int i = 0; i < 64; i++) header.append("x").append(i).append(',');
        String pixels = "0,".repeat(64);
        Path wholeFloats = dir.resolve("floats.csv");
        Files.writeString(wholeFloats, header + "label\n" + pixels + "3.0\n" + pixels + "9\n");
        assertArrayEquals(new int[] {3, 9}, DatasetLoader.csv(wholeFloats, mlp).labels(), "3.0 is class 3");

        Path fraction = dir.resolve("fraction.csv");
        Files.writeString(fraction, header + "label\n" + pixels + "1\n" + pixels + "2.5\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> DatasetLoader.csv(fraction, mlp));
        assertEquals("fraction.csv: line 3: label '2.5' is not a class index (a whole number, 0 or more)", e.getMessage());

        Path tooHigh = dir.resolve("high.csv");
        Files.writeString(tooHigh, header + "label\n" + pixels + "1\n" + pixels + "10\n");
        DataFormatException e2 = assertThrows(DataFormatException.class, () -> DatasetLoader.csv(tooHigh, mlp));
        assertEquals("high.csv: label 10 on line 3 is out of range: model output 'logits' has 10 classes (0..9)", e2.getMessage());

        Path ragged = dir.resolve("ragged.csv");
        Files.writeString(ragged, header + "label\n" + pixels + "1\n" + "0,0\n");
        DataFormatException e3 = assertThrows(DataFormatException.class, () -> DatasetLoader.csv(ragged, mlp));
        assertEquals("ragged.csv: line 3 has 2 columns, header has 65", e3.getMessage());
    }

    @Tag("minilm")
    @Test
    void textIsTokenizedWithTheModelsTokenizer() throws Exception {
        OnnxModel minilm = OnnxModel.load(TestModels.minilm());
        Path txt = dir.resolve("s.txt");
        Files.writeString(txt, "hello world\n\nThe cat sat.\n");
        Dataset d = DatasetLoader.text(txt, TestModels.minilmTokenizer(), minilm, 128);
        assertEquals(2, d.size(), "blank lines are skipped");
        // BERT uncased vocabulary: [CLS]=101, hello=7592, world=2088, [SEP]=102
        assertArrayEquals(new long[] {101, 7592, 2088, 102}, d.samples().get(0).get("input_ids").longs());
        assertArrayEquals(new long[] {1, 1, 1, 1}, d.samples().get(0).get("attention_mask").longs());
        assertArrayEquals(new long[] {0, 0, 0, 0}, d.samples().get(0).get("token_type_ids").longs());
        assertNull(d.labels());

        Path labelled = dir.resolve("labelled.txt");
        Files.writeString(labelled, "hello world\t1\n\nThe cat sat.\t 0\n");
        Dataset l = DatasetLoader.text(labelled, TestModels.minilmTokenizer(), minilm, 128);
        assertArrayEquals(new int[] {1, 0}, l.labels());
        assertArrayEquals(d.samples().get(0).get("input_ids").longs(), l.samples().get(0).get("input_ids").longs(), "the label is not tokenized");
    }

    @Tag("minilm")
    @Test
    void textLabelsMustBeWholeNumbersOnEveryLineOrNone() throws Exception {
        OnnxModel minilm = OnnxModel.load(TestModels.minilm());
        Path word = dir.resolve("word.txt");
        Files.writeString(word, "a fine day\t1\n\nrain again\tnegative\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> DatasetLoader.text(word, TestModels.minilmTokenizer(), minilm, 32));
        assertEquals("word.txt: line 3: label 'negative' after the tab is not a class index (a whole number)", e.getMessage());

        Path mixed = dir.resolve("mixed.txt");
        Files.writeString(mixed, "a fine day\nrain again\t0\n");
        DataFormatException e2 = assertThrows(DataFormatException.class, () -> DatasetLoader.text(mixed, TestModels.minilmTokenizer(), minilm, 32));
        assertEquals("mixed.txt: line 1 has no label but line 2 has one; label every line (text, a tab, a class index) or none", e2.getMessage());

        Path negative = dir.resolve("negative.txt");
        Files.writeString(negative, "a fine day\t-1\n");
        DataFormatException e3 = assertThrows(DataFormatException.class, () -> DatasetLoader.text(negative, TestModels.minilmTokenizer(), minilm, 32));
        assertEquals("negative.txt: line 1: label -1 is negative", e3.getMessage());
    }

    @Tag("minilm")
    @Test
    void textForAModelWithoutTokenInputsIsRejected() throws Exception {
        Path txt = dir.resolve("s.txt");
        Files.writeString(txt, "hello\n");
        OnnxModel cnn = OnnxModel.load(TestModels.digitsCnn());
        DataFormatException e = assertThrows(DataFormatException.class, () -> DatasetLoader.text(txt, TestModels.minilmTokenizer(), cnn, 16));
        assertTrue(e.getMessage().contains("model input 'input' takes float32 data"), e.getMessage());
    }
}
