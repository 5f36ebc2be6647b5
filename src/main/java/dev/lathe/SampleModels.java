package dev.lathe;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the bundled sample models: the digits models and the tiny Llama committed under {@code sample-models/} and the MiniLM
 * sentence embedder the build unpacks beside the jar ({@code target/models}). Looked up from system
 * properties first (tests, installers), then next to the running jar, then the working directory.
 */
public final class SampleModels {
    /** A sample: its model file and, when it has one, the data to score it on and its tokenizer. */
    public record Sample(String name, Path model, Path data, Path tokenizer) {}

    private SampleModels() {}

    public static List<Sample> available() {
        List<Sample> out = new ArrayList<>();
        samplesDir().ifPresent(dir -> {
            for (String name : List.of("digits-mlp", "digits-cnn")) {
                Path m = dir.resolve(name).resolve("model.onnx");
                if (Files.isRegularFile(m)) out.add(new Sample(name, m, dir.resolve(name).resolve("test.csv"), null));
            }
            // A two-layer Llama-shaped decoder (make_tiny_llama.py); its tokens are bytes, so it has no tokenizer file.
            Path llama = dir.resolve("tiny-llama").resolve("model.onnx");
            if (Files.isRegularFile(llama)) out.add(new Sample("tiny-llama", llama, null, null));
            // GPT-2 shape (make_tiny_gpt2.py): fused query/key/value, LayerNormalization, a cache; bytes as tokens too.
            Path gpt2 = dir.resolve("tiny-gpt2").resolve("model.onnx");
            if (Files.isRegularFile(gpt2)) out.add(new Sample("tiny-gpt2", gpt2, null, null));
            // The same with GPT-NeoX's per-head fused query/key/value layout (make_tiny_neox.py).
            Path neox = dir.resolve("tiny-neox").resolve("model.onnx");
            if (Files.isRegularFile(neox)) out.add(new Sample("tiny-neox", neox, null, null));
        });
        modelsDir().ifPresent(dir -> {
            Path mini = dir.resolve("all-minilm-l6-v2");
            Path m = mini.resolve("all-minilm-l6-v2.onnx");
            Path sentences = samplesDir().map(s -> s.resolve("sentences/sentences.txt")).filter(Files::isRegularFile).orElse(null);
            if (Files.isRegularFile(m)) out.add(new Sample("all-minilm-l6-v2", m, sentences, mini.resolve("all-minilm-l6-v2-tokenizer.json")));
        });
        return out;
    }

    public static Optional<Sample> byName(String name) {
        return available().stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public static Optional<Path> samplesDir() {
        return locate("lathe.samples.dir", "sample-models", "digits-mlp");
    }

    public static Optional<Path> modelsDir() {
        return locate("lathe.models.dir", "models", "all-minilm-l6-v2");
    }

    private static Optional<Path> locate(String property, String folder, String marker) {
        List<Path> candidates = new ArrayList<>();
        String prop = System.getProperty(property);
        if (prop != null) candidates.add(Path.of(prop));
        jarDir().ifPresent(j -> {
            candidates.add(j.resolve(folder));
            if (j.getParent() != null) candidates.add(j.getParent().resolve(folder));
        });
        candidates.add(Path.of(folder));
        candidates.add(Path.of("target", folder));
        return candidates.stream().filter(p -> Files.isDirectory(p.resolve(marker))).map(Path::toAbsolutePath).findFirst();
    }

    private static Optional<Path> jarDir() {
        try {
            var src = SampleModels.class.getProtectionDomain().getCodeSource();
            if (src == null) return Optional.empty();
            Path p = Path.of(src.getLocation().toURI());
            return Optional.ofNullable(Files.isDirectory(p) ? p.getParent() : p.getParent());
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
