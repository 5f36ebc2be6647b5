package dev.lathe.eval.data;

import dev.lathe.TestModels;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MiniLM distillation corpus (sample-models/sentences/corpus.txt) never shares a sentence with what scores the
 * distilled model: not with sentences.txt, and not between its own training and evaluation parts as the text split
 * makes them, compared both as lines and as the token ids the model is fed.
 */
class DistillationCorpusTest {
    private static final Path CORPUS = TestModels.samples().resolve("sentences/corpus.txt");

    @Test
    void corpusLinesAreUniqueAndApartFromTheEvaluationSentences() throws Exception {
        List<String> corpus = normalized(CORPUS);
        assertTrue(corpus.size() >= 3000, "a few thousand sentences, got " + corpus.size());
        assertEquals(corpus.size(), new HashSet<>(corpus).size(), "every corpus line is unique, so the split's parts cannot share one");
        Set<String> shared = new HashSet<>(corpus);
        shared.retainAll(new HashSet<>(normalized(TestModels.sentences())));
        assertTrue(shared.isEmpty(), "corpus lines also in sentences.txt: " + shared);
        assertTrue(Files.readString(TestModels.samples().resolve("sentences/README.md")).contains("corpus.txt"), "the README states the corpus's source");
    }

    @Test
    void trainingAndEvaluationPartsShareNoTokenSequence() {
        OnnxModel minilm = OnnxModel.load(TestModels.minilm());
        InputShapes shapes = InputShapes.of(1, 128);
        EvaluationData.Split corpus = EvaluationData.resolve(minilm, CORPUS, TestModels.minilmTokenizer(), shapes);
        EvaluationData.Split sentences = EvaluationData.resolve(minilm, TestModels.sentences(), TestModels.minilmTokenizer(), shapes);
        Set<String> training = tokenSequences(corpus.calibration());
        assertEquals(corpus.calibration().size(), training.size(), "no two training sentences tokenize alike");
        for (Dataset scoring : List.of(corpus.evaluation(), sentences.evaluation(), sentences.calibration())) {
            Set<String> overlap = tokenSequences(scoring);
            overlap.retainAll(training);
            assertTrue(overlap.isEmpty(), overlap.size() + " sentences of " + scoring.description() + " are also in the corpus's training part");
        }
        assertTrue(corpus.calibration().size() >= 3000 && corpus.evaluation().size() >= 500,
                corpus.calibration().size() + " training, " + corpus.evaluation().size() + " evaluation sentences");
    }

    private static List<String> normalized(Path file) throws Exception {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(l -> l.strip().toLowerCase(Locale.ROOT)).filter(l -> !l.isEmpty()).toList();
    }

    private static Set<String> tokenSequences(Dataset d) {
        Set<String> out = new HashSet<>();
        for (var s : d.samples()) {
            TensorData ids = s.get("input_ids");
            out.add(Arrays.toString(ids.longs()));
        }
        return out;
    }
}
