package dev.lathe.study.storage;

import dev.lathe.study.StudyException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One search per study at a time. The search holds an OS lock on {@code <study>.lock} beside the study, which says
 * who holds it; a second search is refused naming the first. A lock on the study file itself would share SQLite's
 * POSIX locks (closing any descriptor drops them all). A crashed search's lock is released by the OS, so a stale
 * lock file never blocks; the file is removed when the search ends.
 */
public final class StudyLock implements AutoCloseable {
    private final Path lockFile;
    private final FileChannel channel;
    private final FileLock lock;

    private StudyLock(Path lockFile, FileChannel channel, FileLock lock) {
        this.lockFile = lockFile;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the study's lock, or fails naming the search that holds it; a study that is no file (in memory) needs none. */
    public static StudyLock acquire(Path study) {
        if (study == null || !Files.isRegularFile(study)) return new StudyLock(null, null, null);
        Path lockFile = study.resolveSibling(study.getFileName() + ".lock");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by another search in this process
            }
            if (lock == null) {
                String holder = holder(channel);
                channel.close();
                throw new StudyException(study, "is being searched already by " + holder
                        + "; a second search would mix its candidates into the first's. Wait for it to end, or stop it first", null);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("process " + ProcessHandle.current().pid() + ", started " + Instant.now().truncatedTo(ChronoUnit.SECONDS))
                    .getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            return new StudyLock(lockFile, channel, lock);
        } catch (IOException e) {
            try {
                if (channel != null) channel.close();
            } catch (IOException ignored) {
                // the failure below says what matters
            }
            throw new StudyException(study, "cannot take its lock file " + lockFile.getFileName(), e);
        }
    }

    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(200);
        channel.read(b, 0);
        String s = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
        return s.isEmpty() ? "another search" : "another search (" + s + ")";
    }

    @Override
    public void close() throws IOException {
        if (channel == null) return;
        try (channel) {
            Files.deleteIfExists(lockFile); // while still held, so no other search is between its open and its lock
            lock.release();
        }
    }
}
