package dev.lathe;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find real models: the committed samples and the MiniLM the build unpacked from Maven Central. */
public final class TestModels {
    private TestModels() {}

    public static Path samples() {
        return Path.of(System.getProperty("lathe.samples.dir", "sample-models"));
    }

    public static Path digitsMlp() { return existing(samples().resolve("digits-mlp/model.onnx")); }

    public static Path digitsCnn() { return existing(samples().resolve("digits-cnn/model.onnx")); }

    public static Path sentences() { return existing(samples().resolve("sentences/sentences.txt")); }

    public static Path minilmDir() {
        return Path.of(System.getProperty("lathe.models.dir", "target/models")).resolve("all-minilm-l6-v2");
    }

    public static Path minilm() { return existing(minilmDir().resolve("all-minilm-l6-v2.onnx")); }

    public static Path minilmQuantized() { return existing(minilmDir().resolve("all-minilm-l6-v2-q.onnx")); }

    public static Path minilmTokenizer() { return existing(minilmDir().resolve("all-minilm-l6-v2-tokenizer.json")); }

    private static Path existing(Path p) {
        if (!Files.isRegularFile(p)) throw new IllegalStateException("test model missing: " + p.toAbsolutePath() + " (run the Maven build, which unpacks it)");
        return p;
    }
}
