package dev.lathe.cli.options;

import dev.lathe.SampleModels;

import java.nio.file.Files;
import java.nio.file.Path;

/** MODEL on the command line: a path, or {@code sample:NAME} for a bundled sample (with its data). */
public record ModelArgument(Path model, Path defaultData, Path defaultTokenizer) {
    public static ModelArgument parse(String text) {
        if (text.startsWith("sample:")) {
            String name = text.substring("sample:".length());
            SampleModels.Sample s = SampleModels.byName(name).orElseThrow(() -> new IllegalArgumentException(
                    "no bundled sample '" + name + "' (available: " + String.join(", ", SampleModels.available().stream().map(SampleModels.Sample::name).toList()) + ")"));
            return new ModelArgument(s.model(), s.data(), s.tokenizer());
        }
        Path p = Path.of(text);
        if (!Files.exists(p)) throw new IllegalArgumentException(text + ": file not found");
        if (Files.isDirectory(p)) throw new IllegalArgumentException(text + ": is a folder, not an ONNX file");
        return new ModelArgument(p, null, null);
    }
}
