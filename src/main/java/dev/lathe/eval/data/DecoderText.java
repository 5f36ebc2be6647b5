package dev.lathe.eval.data;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.lathe.model.DecoderModel;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A text file as a decoder's evaluation data: each non-blank line is one token sequence, run from an empty cache,
 * on which next-token agreement, KL divergence and perplexity are measured. Tokens come from the model's
 * {@code tokenizer.json} (its own special tokens included, as generation would see them); a model without one whose
 * vocabulary has exactly 256 entries, or whose {@code config.json} says {@code "tokenizer": "bytes..."}, reads the
 * line's UTF-8 bytes as tokens (the sample decoder is such a model).
 */
public final class DecoderText {
    /** Long enough for a sentence or two, short enough that one candidate's evaluation stays short. */
    public static final int MAX_TOKENS = 128;
    private static final int BYTE_VOCABULARY = 256;

    private DecoderText() {}

    /** Whether the model reads bytes as tokens when it has no tokenizer. */
    public static boolean usesBytes(OnnxModel model) {
        boolean declared = DecoderModel.config(model).map(c -> c.path("tokenizer").asText("").startsWith("bytes")).orElse(false);
        return declared || DecoderModel.vocabulary(model) == BYTE_VOCABULARY;
    }

    /** The lines of {@code file} as samples, each cut at {@code maxTokens}; {@code tokenizerJson} null means bytes. */
    public static Dataset load(Path file, Path tokenizerJson, OnnxModel model, int maxTokens) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file, "file not found");
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot read as UTF-8 text: " + e.getMessage(), e);
        }
        if (lines.isEmpty()) throw new DataFormatException(file, "no text lines");
        if (tokenizerJson == null && !usesBytes(model))
            throw new DataFormatException(file, "text for this decoder needs its tokenizer: pass --tokenizer FILE (a Hugging Face tokenizer.json)"
                    + " or put tokenizer.json beside the model; only a model with a 256-entry byte vocabulary reads raw bytes");
        int vocabulary = DecoderModel.vocabulary(model);
        var cache = DecoderModel.cacheInputs(model);
        List<Map<String, TensorData>> samples = new ArrayList<>(lines.size());
        List<long[]> sequences = new ArrayList<>(lines.size());
        if (tokenizerJson == null) {
            for (String line : lines) {
                byte[] b = line.getBytes(StandardCharsets.UTF_8);
                long[] ids = new long[Math.min(b.length, maxTokens)];
                for (int i = 0; i < ids.length; i++) ids[i] = b[i] & 0xff;
                sequences.add(ids);
            }
        } else {
            if (!Files.isRegularFile(tokenizerJson)) throw new DataFormatException(tokenizerJson, "tokenizer file not found");
            try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(tokenizerJson,
                    Map.of("maxLength", Integer.toString(maxTokens), "truncation", "true", "padding", "false"))) {
                for (String line : lines) sequences.add(tok.encode(line).getIds());
            } catch (IOException | RuntimeException e) {
                throw new DataFormatException(tokenizerJson, "cannot load or apply the tokenizer: " + e.getMessage(), e);
            }
        }
        for (int i = 0; i < sequences.size(); i++) {
            long[] ids = sequences.get(i);
            if (ids.length == 0) throw new DataFormatException(file, "line " + (i + 1) + " of the text lines gives no tokens");
            for (long id : ids)
                if (vocabulary > 0 && (id < 0 || id >= vocabulary))
                    throw new DataFormatException(file, "token " + id + " (text line " + (i + 1) + ") is outside the model's vocabulary of " + vocabulary);
            samples.add(DecoderModel.fullSequence(cache, ids));
        }
        String how = tokenizerJson == null ? "bytes" : tokenizerJson.getFileName().toString();
        return new Dataset(file.getFileName() + " (" + how + ")", samples, null, false,
                DatasetLoader.fingerprint(file) + ":" + how + ":" + maxTokens + ":" + vocabulary);
    }
}
