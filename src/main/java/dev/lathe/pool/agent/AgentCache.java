package dev.lathe.pool.agent;

import dev.lathe.model.OnnxModel;
import dev.lathe.pool.StudyPackage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The agent's one folder, and the only place it writes: {@code blobs/} holds files by SHA-256 (a model and its
 * data are sent once, whatever study uses them), {@code incoming/} files being received, {@code studies/<key>/}
 * a study's files laid out as its package names them, {@code tmp/} the candidates being measured, the worker's
 * temporary files and crash reports, and {@code status.json} what the agent is doing. Every path a client names
 * is checked to stay inside.
 */
public final class AgentCache {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path root;

    public AgentCache(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        for (String d : List.of("blobs", "incoming", "studies", "tmp")) Files.createDirectories(this.root.resolve(d));
    }

    public Path root() { return root; }

    public Path tmp() { return root.resolve("tmp"); }

    public Path statusFile() { return root.resolve("status.json"); }

    /** The hashes among {@code shas} that are not stored yet. */
    public List<String> missing(List<String> shas) {
        List<String> out = new ArrayList<>();
        for (String s : shas) if (!Files.isRegularFile(blob(s))) out.add(s);
        return out;
    }

    /**
     * Appends a chunk of the file with hash {@code sha}; the last chunk ({@code offset + bytes == total}) checks the
     * hash and moves the file into the store. Returns whether the file is now stored.
     */
    public synchronized boolean putChunk(String sha, long offset, long total, byte[] bytes) throws IOException {
        Path target = blob(sha);
        if (Files.isRegularFile(target)) return true;
        Path part = root.resolve("incoming").resolve(sha + ".part");
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (offset == 0 && have > 0) {
            Files.delete(part);
            have = 0;
        }
        if (offset != have) throw new IOException("chunk at " + offset + " but " + have + " bytes received so far");
        if (offset + bytes.length > total) throw new IOException("chunk runs past the file's " + total + " bytes");
        try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            out.write(bytes);
        }
        if (offset + bytes.length < total) return false;
        String actual = OnnxModel.sha256Of(part);
        if (!actual.equals(sha)) {
            Files.delete(part);
            throw new IOException("received file hashes to " + actual + ", not " + sha);
        }
        move(part, target);
        return true;
    }

    /** Lays the package's files out in {@code studies/<key>/} (from the store) and returns that folder. */
    public synchronized Path materialize(String key, StudyPackage pkg) throws IOException {
        if (!SHA256.matcher(key).matches()) throw new IOException("not a study key: " + key);
        Path dir = inside(root.resolve("studies"), key);
        for (StudyPackage.PackedFile f : pkg.files()) {
            Path source = blob(f.sha256());
            if (!Files.isRegularFile(source)) throw new IOException("file " + f.path() + " (" + f.sha256() + ") was never sent");
            Path target = inside(dir, f.path());
            if (Files.isRegularFile(target) && Files.size(target) == Files.size(source)) continue;
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
            move(tmp, target);
        }
        return dir;
    }

    /** {@code relative} under {@code base}, refused when it is absolute or climbs out (a client's path is never trusted). */
    public static Path inside(Path base, String relative) throws IOException {
        if (relative == null || relative.isEmpty() || relative.startsWith("/") || relative.startsWith("\\") || relative.contains(":"))
            throw new IOException("refusing path '" + relative + "': not relative");
        Path p = base.resolve(relative).normalize();
        if (!p.startsWith(base) || p.equals(base)) throw new IOException("refusing path '" + relative + "': it leaves " + base);
        return p;
    }

    private Path blob(String sha) {
        if (sha == null || !SHA256.matcher(sha).matches()) throw new IllegalArgumentException("not a SHA-256: " + sha);
        return root.resolve("blobs").resolve(sha);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
