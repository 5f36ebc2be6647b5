package dev.lathe.model.gate;

import ai.onnx.proto.OnnxMl.ModelProto;
import dev.lathe.TestModels;
import dev.lathe.TinyGraphs;
import dev.lathe.model.gate.Problem.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Hundreds of broken variants of the sample models and of a small graph built here: every structurally broken one is
 * refused with one line that names its file and a problem of the right kind; nothing is written beside them.
 */
class BadModelCorpusTest {
    @TempDir
    Path dir;

    @Test
    void everyBrokenModelIsRefusedInOneLineNamingTheFileAndTheProblem() throws Exception {
        BadModelCorpus corpus = new BadModelCorpus(dir)
                .from("mlp", ModelProto.parseFrom(Files.readAllBytes(TestModels.digitsMlp())))
                .from("cnn", ModelProto.parseFrom(Files.readAllBytes(TestModels.digitsCnn())))
                .from("tiny", tinyGraph())
                .notModels();
        Set<Path> before = listing();
        Map<String, int[]> counts = new TreeMap<>(); // kind -> {cases, refused, accepted}
        Map<String, Integer> firstKinds = new TreeMap<>();
        Map<String, String> examples = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (BadModelCorpus.Case c : corpus.cases()) {
            Verdict v = ModelGate.check(c.file());
            int[] n = counts.computeIfAbsent(c.kind(), k -> new int[3]);
            n[0]++;
            if (v.valid()) {
                n[2]++;
                if (!c.expected().isEmpty()) failures.add(c.file().getFileName() + " (" + c.kind() + ") was accepted");
                continue;
            }
            n[1]++;
            Kind first = v.problems().getFirst().kind();
            firstKinds.merge(c.kind() + " -> " + first.id(), 1, Integer::sum);
            String line = v.oneLine();
            examples.putIfAbsent(first.id(), line);
            if (!c.expected().isEmpty() && !c.expected().contains(first)) failures.add(c.file().getFileName() + " (" + c.kind() + ") got " + line);
            if (!clear(line, c.file())) failures.add(c.file().getFileName() + " unclear: " + line);
            ModelRejectedException e = assertThrows(ModelRejectedException.class, () -> ModelGate.admit(c.file()));
            assertEquals(line, e.getMessage());
        }
        System.out.println("bad-input corpus: kind cases refused accepted");
        counts.forEach((k, n) -> System.out.printf("  %-20s %4d %4d %4d%n", k, n[0], n[1], n[2]));
        System.out.println("  total                " + corpus.cases().size());
        System.out.println("first problem reported, by mutation: " + firstKinds);
        examples.forEach((k, line) -> System.out.println("  e.g. " + k + ": " + line));
        assertEquals(List.of(), failures);
        assertEquals(before, listing(), "the gate wrote or removed files");
        assertTrue(corpus.cases().size() > 500, "corpus of " + corpus.cases().size());
        assertEquals(counts.values().stream().mapToInt(n -> n[0]).sum() - counts.get("flipped_byte")[2] - counts.get("flipped_structure")[2],
                counts.values().stream().mapToInt(n -> n[1]).sum(), "only byte flips may pass");
    }

    /** One line that starts with the file's name, says what is wrong, and carries no exception, error code or C++ source. */
    static boolean clear(String line, Path file) {
        return line.startsWith(file.getFileName() + ": ") && !line.contains("\n") && line.length() < 500
                && Stream.of("Exception", "\tat ", "ORT_", ".cc:", "onnxruntime::", "null").noneMatch(line::contains);
    }

    private Set<Path> listing() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.collect(Collectors.toSet());
        }
    }

    /** MatMul, Add, Relu, Conv-free: a graph whose shapes ONNX Runtime infers fully. */
    static ModelProto tinyGraph() {
        return new TinyGraphs(7).weight("w1", 8, 16).weight("b1", 16).weight("w2", 16, 4)
                .input("x", "batch", 8)
                .node("MatMul", "h", List.of("x", "w1")).node("Add", "hb", List.of("h", "b1")).node("Relu", "r", List.of("hb"))
                .node("MatMul", "y", List.of("r", "w2"))
                .output("y", "batch", 4).model(13).proto();
    }
}
