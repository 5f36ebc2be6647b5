package dev.lathe;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Starts Lathe the way a user does (a fresh JVM with no extra flags) and checks what it prints. */
class QuietStartTest {
    private record Result(int exit, String out, String err) {}

    private static Result lathe(boolean withDisplay, String... args) throws Exception {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        List<String> cmd = new java.util.ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.lathe.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (!withDisplay) { pb.environment().remove("DISPLAY"); pb.environment().remove("WAYLAND_DISPLAY"); }
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes(), err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "lathe did not end");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void inspectPrintsNoJvmWarning() throws Exception {
        Result r = lathe(true, "inspect", TestModels.digitsMlp().toString());
        assertEquals(0, r.exit(), r.err());
        assertFalse((r.out() + r.err()).contains("WARNING"), "warnings printed:\n" + r.err());
        assertTrue(r.out().contains("parameters"), r.out());
    }

    @Test
    void theWindowWithoutADisplaySaysSoInOneLineAndExitsOne() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"));
        Result r = lathe(false);
        assertEquals(1, r.exit(), r.err());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "expected one line, got:\n" + r.err());
        assertTrue(lines.get(0).contains("no display") && lines.get(0).contains("--help"), lines.get(0));
    }
}
