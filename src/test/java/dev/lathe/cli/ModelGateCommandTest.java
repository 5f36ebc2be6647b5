package dev.lathe.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.TestModels;
import dev.lathe.cli.options.Json;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.lathe.cli.LatheCommandTest.lathe;
import static org.junit.jupiter.api.Assertions.*;

/** Every command that takes a model refuses a broken one with one line naming the file, exit code 1, and writes nothing. */
class ModelGateCommandTest {
    @TempDir
    Path dir;

    private Path cyclic() throws Exception {
        ModelProto p = ModelProto.parseFrom(Files.readAllBytes(TestModels.digitsMlp()));
        var b = p.toBuilder();
        b.getGraphBuilder().getNodeBuilder(0).setInput(0, p.getGraph().getNode(2).getOutput(0));
        return write("cyclic.onnx", b.build());
    }

    private Path dangling() throws Exception {
        var b = ModelProto.parseFrom(Files.readAllBytes(TestModels.digitsMlp())).toBuilder();
        b.getGraphBuilder().getNodeBuilder(1).setInput(0, "nowhere");
        return write("dangling.onnx", b.build());
    }

    private Path unknownOperator() throws Exception {
        var b = ModelProto.parseFrom(Files.readAllBytes(TestModels.digitsMlp())).toBuilder();
        b.getGraphBuilder().getNodeBuilder(1).setOpType("FooBar");
        return write("unknown-op.onnx", b.build());
    }

    @Test
    void everyModelCommandRefusesACyclicModelInOneLineAndWritesNothing() throws Exception {
        Path bad = cyclic();
        Set<Path> before = listing();
        Path out = dir.resolve("out.onnx");
        List<String[]> commands = List.of(
                new String[] {"inspect", bad.toString()},
                new String[] {"prune", bad.toString(), "--keep", "ffn_units=0.5", "--out", out.toString()},
                new String[] {"apply", bad.toString(), "--precision", "int8", "--out", out.toString()},
                new String[] {"bench", bad.toString(), "--in-process"},
                new String[] {"compare", TestModels.digitsMlp().toString(), bad.toString()},
                new String[] {"sensitivity", bad.toString()});
        for (String[] args : commands) {
            LatheCommandTest.Run r = lathe(args);
            assertEquals(1, r.code(), args[0] + ": " + r.err());
            assertEquals(List.of("lathe: cyclic.onnx: has a cycle: the graph is not acyclic: '/net/net.0/Gemm' (Gemm) -> '/net/net.1/Relu' (Relu) -> "
                    + "'/net/net.2/Gemm' (Gemm) -> '/net/net.0/Gemm' (Gemm)"), r.err().lines().toList(), args[0]);
            assertEquals(before, listing(), args[0] + " wrote a file");
        }
    }

    /** search refuses before any study exists; a failure after the study was created but before a candidate removes it again. */
    @Test
    void searchRefusesABrokenModelAndAFailedStartLeavesNoStudy() throws Exception {
        Path study = dir.resolve("s.lathe");
        for (Path bad : List.of(cyclic(), dangling(), unknownOperator())) {
            LatheCommandTest.Run r = lathe("search", bad.toString(), "--study", study.toString(), "--budget", "2", "--in-process");
            assertEquals(1, r.code(), r.err());
            List<String> lines = r.err().lines().toList();
            assertEquals(1, lines.size(), r.err());
            assertTrue(lines.get(0).startsWith("lathe: " + bad.getFileName() + ": "), lines.get(0));
            assertEquals("", r.out(), "no worker, no sensitivity pass, nothing started");
        }
        LatheCommandTest.Run typo = lathe("search", TestModels.digitsMlp().toString(), "--study", study.toString(), "--budget", "2", "--in-process",
                "--keep-range", "no_such_group=0.5:1");
        assertEquals(1, typo.code(), typo.err());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.filter(f -> f.getFileName().toString().startsWith("s.lathe")).toList(), "no study file or side file");
        }
    }

    @Test
    void inspectJsonDescribesABrokenModelWithValidFalseAndItsReasons() throws Exception {
        LatheCommandTest.Run r = lathe("inspect", "--json", dangling().toString());
        assertEquals(1, r.code());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertFalse(j.get("valid").asBoolean());
        assertEquals("dangling_input", j.get("problems").get(0).get("kind").asText());
        assertTrue(j.get("problems").get(0).get("message").asText().contains("'nowhere'"));
        assertEquals(5, j.get("readable").get("nodes").asInt());
        assertEquals(3, j.get("readable").get("operators").get("Gemm").asInt());
        assertEquals(1, r.err().lines().count(), r.err());
        LatheCommandTest.Run ok = lathe("inspect", "--json", TestModels.digitsMlp().toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(Json.MAPPER.readTree(ok.out()).get("valid").asBoolean());
    }

    /** As a user runs it: a fresh JVM, a cyclic model, a dangling input and an unknown operator; one line each, exit 1, no trace, no crash file. */
    @Tag("slow")
    @Test
    void aFreshJvmRefusesEachInOneLine() throws Exception {
        for (Path bad : List.of(cyclic(), dangling(), unknownOperator())) {
            Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
            Process p = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    "dev.lathe.Main", "inspect", bad.toString()).directory(dir.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, p.exitValue(), err);
            assertEquals("", out);
            List<String> lines = err.lines().toList();
            assertEquals(1, lines.size(), err);
            assertTrue(lines.get(0).startsWith("lathe: " + bad.getFileName() + ": "), lines.get(0));
            assertFalse(err.contains("Exception") || err.contains("ORT_"), err);
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList());
        }
    }

    private Path write(String name, ModelProto m) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, m.toByteArray());
        return f;
    }

    private Set<Path> listing() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.collect(Collectors.toSet());
        }
    }
}
