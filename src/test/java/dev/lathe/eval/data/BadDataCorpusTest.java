package dev.lathe.eval.data;

import dev.lathe.TestModels;
import dev.lathe.cli.LatheCommand;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Broken data files for the digits MLP, generated from its own test.csv and from .npy/.npz files written here, fed to
 * {@code lathe inspect --data} as a user would: a broken one ends in one line naming the file, exit 1, never a trace;
 * a cut that happens to fall on a row boundary may still be data (counted as accepted).
 */
@Tag("slow")
class BadDataCorpusTest {
    @TempDir
    Path dir;

    private record Case(String kind, Path file, boolean mustFail) {}

    @Test
    void everyBrokenDataFileEndsInOneLineNamingIt() throws Exception {
        List<Case> cases = new ArrayList<>();
        Random random = new Random(14);
        byte[] csv = Files.readAllBytes(TestModels.digitsMlp().resolveSibling("test.csv"));
        for (int i = 1; i <= 20; i++) cases.add(write(cases.size(), "csv_truncated", ".csv", Arrays.copyOf(csv, csv.length * i / 41), false));
        for (int i = 0; i < 15; i++) {
            byte[] b = csv.clone();
            b[random.nextInt(b.length)] = (byte) "x;\"\n,-."
                    .charAt(random.nextInt(7));
            cases.add(write(cases.size(), "csv_flipped", ".csv", b, false));
        }
        String text = new String(csv, StandardCharsets.UTF_8);
        cases.add(write(cases.size(), "csv_not_numbers", ".csv", text.replaceFirst("\n[^,]*,", "\nseven,").getBytes(StandardCharsets.UTF_8), true));
        cases.add(write(cases.size(), "csv_ragged", ".csv", text.replaceFirst("\n([^\n]*),[^,\n]*\n", "\n$1\n").getBytes(StandardCharsets.UTF_8), true));
        cases.add(write(cases.size(), "csv_empty", ".csv", new byte[0], true));
        cases.add(write(cases.size(), "csv_binary", ".csv", randomBytes(random, 2048), true));
        byte[] npy = npy("<f4", new long[] {20, 64}, 20 * 64 * 4);
        for (int i = 1; i <= 15; i++) cases.add(write(cases.size(), "npy_truncated", ".npy", Arrays.copyOf(npy, npy.length * i / 16), true));
        cases.add(write(cases.size(), "npy_wrong_width", ".npy", npy("<f4", new long[] {20, 63}, 20 * 63 * 4), true));
        cases.add(write(cases.size(), "npy_wrong_dtype", ".npy", npy("<U3", new long[] {20, 64}, 20 * 64 * 12), true));
        cases.add(write(cases.size(), "npy_not_npy", ".npy", "just text".getBytes(StandardCharsets.UTF_8), true));
        cases.add(write(cases.size(), "npy_empty", ".npy", new byte[0], true));
        byte[] npz = zip(Map.of("input", npy));
        for (int i = 1; i <= 10; i++) cases.add(write(cases.size(), "npz_truncated", ".npz", Arrays.copyOf(npz, npz.length * i / 11), true));
        cases.add(write(cases.size(), "npz_not_zip", ".npz", "not a zip".getBytes(StandardCharsets.UTF_8), true));
        cases.add(write(cases.size(), "npz_wrong_name", ".npz", zip(Map.of("pixels", npy)), true));
        cases.add(write(cases.size(), "npz_bad_member", ".npz", zip(Map.of("input", Arrays.copyOf(npy, 30))), true));
        Path images = Files.createDirectories(dir.resolve("images/cat"));
        Files.writeString(images.resolve("a.png"), "not an image");
        cases.add(new Case("image_folder", images.getParent(), true));
        cases.add(write(cases.size(), "text_without_tokenizer", ".txt", "a sentence\n".getBytes(StandardCharsets.UTF_8), true));

        Map<String, int[]> counts = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            StringWriter out = new StringWriter(), err = new StringWriter();
            int code = LatheCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), "inspect", TestModels.digitsMlp().toString(), "--data", c.file().toString());
            int[] n = counts.computeIfAbsent(c.kind(), k -> new int[3]);
            n[0]++;
            if (code == 0) {
                n[2]++;
                if (c.mustFail()) failures.add(c.file().getFileName() + " (" + c.kind() + ") was accepted");
                continue;
            }
            n[1]++;
            List<String> lines = err.toString().lines().toList();
            String line = lines.isEmpty() ? "" : lines.get(0);
            if (code != 1 || lines.size() != 1 || !line.startsWith("lathe: ") || !line.contains(c.file().getFileName().toString())
                    || Stream.of("Exception", "\tat ", "null").anyMatch(line::contains))
                failures.add(c.file().getFileName() + " (" + c.kind() + ", exit " + code + "): " + err);
        }
        System.out.println("bad-data corpus: kind cases refused accepted");
        counts.forEach((k, n) -> System.out.printf("  %-24s %4d %4d %4d%n", k, n[0], n[1], n[2]));
        assertEquals(List.of(), failures);
        assertTrue(cases.size() > 70, "corpus of " + cases.size());
    }

    private Case write(int serial, String kind, String suffix, byte[] bytes, boolean mustFail) throws Exception {
        Path f = dir.resolve(kind + "-" + serial + suffix);
        Files.write(f, bytes);
        return new Case(kind, f, mustFail);
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** A C-order .npy of random float values (NpyFiles writes the header), as many bytes as the dtype needs. */
    private static byte[] npy(String descr, long[] shape, int dataBytes) {
        Random r = new Random(3);
        float[] v = new float[dataBytes / 4];
        for (int i = 0; i < v.length; i++) v[i] = r.nextFloat();
        return NpyFiles.npy(descr, false, shape, NpyFiles.float32(v));
    }

    /** An .npz's bytes, its entries named NAME.npy. */
    private byte[] zip(Map<String, byte[]> arrays) throws Exception {
        return Files.readAllBytes(NpyFiles.npz(Files.createTempFile(dir, "npz", ".npz"), arrays));
    }
}
