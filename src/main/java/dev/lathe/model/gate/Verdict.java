package dev.lathe.model.gate;

import ai.onnx.proto.OnnxMl.ModelProto;
import dev.lathe.model.OnnxModel;

import java.nio.file.Path;
import java.util.List;

/**
 * What the gate found in one file: no problems and the loaded model, or the problems (first one first, the one a user
 * is told) and whatever of the file could be parsed, so {@code inspect --json} can still describe it.
 */
public record Verdict(Path file, List<Problem> problems, ModelProto readable, OnnxModel model) {
    public Verdict {
        problems = List.copyOf(problems);
    }

    public boolean valid() { return problems.isEmpty(); }

    /** "bad.onnx: has a cycle: node 'a' ... (and 2 more problems)": one line naming the file and the first problem. */
    public String oneLine() {
        if (valid()) return file.getFileName() + ": valid";
        Problem first = problems.getFirst();
        String more = problems.size() == 1 ? "" : " (and " + (problems.size() - 1) + " more; 'lathe inspect --json' lists them)";
        return (file.getFileName() + ": " + first.kind().phrase() + ": " + first.text() + more).replace('\n', ' ');
    }
}
