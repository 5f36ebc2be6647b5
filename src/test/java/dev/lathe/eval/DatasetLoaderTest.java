package dev.lathe.eval;

import dev.lathe.TestModels;
import dev.lathe.eval.data.DataFormatException;
import dev.lathe.eval.data.Dataset;
import dev.lathe.eval.data.DatasetLoader;
import dev.lathe.model.OnnxModel;
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
    void textIsTokenizedWithTheModelsTokenizer() throws Exception {
        OnnxModel minilm = OnnxModel.load(TestModels.minilm());
        Path txt = dir.resolve("s.txt");
        Files.writeString(txt, "hello world\n\nThe cat sat.\t1\n");
        Dataset d = DatasetLoader.text(txt, TestModels.minilmTokenizer(), minilm, 128);
        assertEquals(2, d.size(), "blank lines are skipped");
        // BERT uncased vocabulary: [CLS]=101, hello=7592, world=2088, [SEP]=102
        assertArrayEquals(new long[] {101, 7592, 2088, 102}, d.samples().get(0).get("input_ids").longs());
        assertArrayEquals(new long[] {1, 1, 1, 1}, d.samples().get(0).get("attention_mask").longs());
        assertArrayEquals(new long[] {0, 0, 0, 0}, d.samples().get(0).get("token_type_ids").longs());
        assertNull(d.labels(), "labels need every line labelled");
    }

    @Test
    void textForAModelWithoutTokenInputsIsRejected() throws Exception {
        Path txt = dir.resolve("s.txt");
        Files.writeString(txt, "hello\n");
        OnnxModel cnn = OnnxModel.load(TestModels.digitsCnn());
        DataFormatException e = assertThrows(DataFormatException.class, () -> DatasetLoader.text(txt, TestModels.minilmTokenizer(), cnn, 16));
        assertTrue(e.getMessage().contains("model input 'input' takes float32 data"), e.getMessage());
    }
}
