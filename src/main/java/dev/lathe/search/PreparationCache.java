package dev.lathe.search;

import dev.lathe.LatheVersion;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.pruning.ActivationStats;
import dev.lathe.transform.pruning.PruningOptions;
import dev.lathe.transform.quantization.QuantizationOptions;
import org.ejml.data.DMatrixRMaj;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * What a search prepares before its first candidate, kept in a folder so that a second study of the same model and
 * data (and an export, which rebuilds the candidate) reuses it: the calibration statistics with the Optimal Brain
 * Surgeon rankings walked on them, and the per-layer sensitivity report. An entry is named by the SHA-256 of
 * everything it depends on (the Lathe version, the model's SHA-256, the groups, the exact calibration tensors, the
 * settings), and holds that key and the SHA-256 of its contents: an entry whose key, format or checksum does not
 * match is refused with a message and gathered again, never trusted. The folder is {@code -Dlathe.cache.dir},
 * else {@code $LATHE_CACHE}, else {@code ~/.cache/lathe/preparation}; {@code off} turns the cache off.
 */
public final class PreparationCache {
    private static final int MAGIC = 0x4C505245; // "LPRE"
    private static final int FORMAT = 1;

    private final Path folder;

    public PreparationCache(Path folder) {
        this.folder = folder;
    }

    /** The folder the settings name, or null when the cache is turned off. */
    public static PreparationCache standard() {
        String dir = System.getProperty("lathe.cache.dir", System.getenv("LATHE_CACHE"));
        if (dir != null && dir.equalsIgnoreCase("off")) return null;
        return new PreparationCache(dir != null && !dir.isBlank() ? Path.of(dir)
                : Path.of(System.getProperty("user.home"), ".cache", "lathe", "preparation"));
    }

    public Path folder() { return folder; }

    /**
     * A builder over {@code calibration} for {@code options}: the statistics and rankings are read from the cache
     * when it holds them for exactly these inputs, else gathered (as {@link CandidateBuilder#create} does) and stored.
     */
    public CandidateBuilder builder(OnnxModel original, PruningOptions options, QuantizationOptions quantization,
                                    List<Map<String, TensorData>> calibration, Consumer<String> log) throws ai.onnxruntime.OrtException {
        if (!options.needsCalibration() || calibration == null || calibration.isEmpty())
            return CandidateBuilder.create(original, options, quantization, calibration);
        List<Map<String, TensorData>> used = calibration.subList(0, Math.min(CandidateBuilder.MAX_CALIBRATION_SAMPLES, calibration.size()));
        String key = statisticsKey(original, options, used);
        Path file = folder.resolve(key + ".stats");
        Stored stored = read(file, key, log);
        if (stored != null) {
            log.accept("Calibration statistics and rankings read from the preparation cache (" + file.getFileName() + ")");
            return CandidateBuilder.prepared(original, options, quantization, calibration, stored.stats, stored.rankings);
        }
        CandidateBuilder built = CandidateBuilder.create(original, options, quantization, calibration);
        if (built.stats() != null) write(file, key, encode(built.stats(), built.rankings()), log);
        return built;
    }

    /** The sensitivity report (JSON) stored under these inputs, or null. */
    String sensitivity(String key, Consumer<String> log) {
        byte[] payload = readPayload(folder.resolve(key + ".sensitivity"), key, log);
        return payload == null ? null : new String(payload, StandardCharsets.UTF_8);
    }

    void storeSensitivity(String key, String json, Consumer<String> log) {
        write(folder.resolve(key + ".sensitivity"), key, json.getBytes(StandardCharsets.UTF_8), log);
    }

    /** The key of a sensitivity report: the model, the calibration samples it ran on, and every setting that shapes it. */
    static String sensitivityKey(OnnxModel original, List<Map<String, TensorData>> samples, Object... settings) {
        MessageDigest d = digest("sensitivity");
        update(d, original.sha256());
        for (Object s : settings) update(d, String.valueOf(s));
        samples(d, samples);
        return HexFormat.of().formatHex(d.digest());
    }

    static String statisticsKey(OnnxModel original, PruningOptions options, List<Map<String, TensorData>> used) {
        MessageDigest d = digest("statistics");
        update(d, original.sha256());
        update(d, options.criterion());
        for (PrunableGroup g : GroupFinder.analyze(original).groups())
            update(d, g.id() + "|" + (g.consumer() == null ? "-" : g.consumer().input() + "|" + g.consumer().weight() + "|" + g.consumer().bias()) + "|" + g.size());
        samples(d, used);
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest digest(String kind) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            update(d, "lathe-preparation/" + FORMAT + "/" + kind + "/" + LatheVersion.get());
            return d;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest d, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        d.update(ByteBuffer.allocate(4).putInt(b.length).array());
        d.update(b);
    }

    /** The samples' exact contents: names, shapes and values, in order. */
    private static void samples(MessageDigest d, List<Map<String, TensorData>> samples) {
        d.update(ByteBuffer.allocate(4).putInt(samples.size()).array());
        for (Map<String, TensorData> sample : samples)
            for (Map.Entry<String, TensorData> e : new TreeMap<>(sample).entrySet()) {
                update(d, e.getKey());
                TensorData t = e.getValue();
                ByteBuffer b = ByteBuffer.allocate(8 * (t.shape().length + t.size()) + 1);
                b.put((byte) (t.isFloat() ? 1 : 0));
                for (long s : t.shape()) b.putLong(s);
                if (t.isFloat()) for (float f : t.floats()) b.putFloat(f);
                else for (long v : t.longs()) b.putLong(v);
                d.update(b.array(), 0, b.position());
            }
    }

    private record Stored(ActivationStats stats, Map<String, double[]> rankings) {}

    private static byte[] encode(ActivationStats stats, Map<String, double[]> rankings) {
        long size = 8 + 4 + 4L;
        for (var e : stats.grams().entrySet()) size += 4 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4 + 8L * e.getValue().data.length;
        for (var e : rankings.entrySet()) size += 4 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4 + 8L * e.getValue().length;
        if (size > Integer.MAX_VALUE) throw new IllegalStateException("calibration statistics of " + size + " bytes are too large to cache");
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(stats.rows());
        b.putInt(stats.grams().size());
        for (var e : stats.grams().entrySet()) {
            putString(b, e.getKey());
            b.putInt(e.getValue().numRows);
            b.asDoubleBuffer().put(e.getValue().data);
            b.position(b.position() + 8 * e.getValue().data.length);
        }
        b.putInt(rankings.size());
        for (var e : rankings.entrySet()) {
            putString(b, e.getKey());
            b.putInt(e.getValue().length);
            b.asDoubleBuffer().put(e.getValue());
            b.position(b.position() + 8 * e.getValue().length);
        }
        return b.array();
    }

    private static Stored decode(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        long rows = b.getLong();
        Map<String, DMatrixRMaj> grams = new LinkedHashMap<>();
        for (int i = 0, n = b.getInt(); i < n; i++) {
            String id = getString(b);
            int side = b.getInt();
            DMatrixRMaj m = new DMatrixRMaj(side, side);
            b.asDoubleBuffer().get(m.data);
            b.position(b.position() + 8 * m.data.length);
            grams.put(id, m);
        }
        Map<String, double[]> rankings = new TreeMap<>();
        for (int i = 0, n = b.getInt(); i < n; i++) {
            String id = getString(b);
            double[] v = new double[b.getInt()];
            b.asDoubleBuffer().get(v);
            b.position(b.position() + 8 * v.length);
            rankings.put(id, v);
        }
        if (b.hasRemaining()) throw new IllegalStateException(b.remaining() + " bytes left over");
        return new Stored(ActivationStats.of(grams, rows), rankings);
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.putInt(bytes.length);
        b.put(bytes);
    }

    private static String getString(ByteBuffer b) {
        byte[] bytes = new byte[b.getInt()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private Stored read(Path file, String key, Consumer<String> log) {
        byte[] payload = readPayload(file, key, log);
        if (payload == null) return null;
        try {
            return decode(payload);
        } catch (RuntimeException e) {
            log.accept("Refused the preparation cache entry " + file + ": unreadable contents (" + e.getMessage() + "); gathering again");
            return null;
        }
    }

    /**
     * The contents of the entry, checked against its key and checksum; null (with the reason logged) when it is
     * missing, of another format or key, truncated or altered.
     */
    private static byte[] readPayload(Path file, String key, Consumer<String> log) {
        if (!Files.isRegularFile(file)) return null;
        String why;
        try {
            byte[] all = Files.readAllBytes(file);
            ByteBuffer b = ByteBuffer.wrap(all);
            if (all.length < 8 || b.getInt() != MAGIC) why = "not a Lathe preparation cache entry";
            else if (b.getInt() != FORMAT) why = "written in another format";
            else {
                String stored = getString(b);
                byte[] sum = new byte[32];
                b.get(sum);
                byte[] payload = new byte[b.remaining()];
                b.get(payload);
                if (!stored.equals(key)) why = "made for other inputs (key " + stored + ")";
                else if (!MessageDigest.isEqual(sum, sha256(payload))) why = "its contents do not match their checksum (truncated or altered)";
                else return payload;
            }
        } catch (IOException | RuntimeException e) {
            why = "unreadable (" + e.getMessage() + ")";
        }
        log.accept("Refused the preparation cache entry " + file + ": " + why + "; gathering again");
        return null;
    }

    /** Writes the entry through a temporary file moved into place, so a reader never sees half of one; a failure is logged only. */
    private void write(Path file, String key, byte[] payload, Consumer<String> log) {
        try {
            Files.createDirectories(folder);
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            ByteBuffer header = ByteBuffer.allocate(8 + 4 + k.length + 32);
            header.putInt(MAGIC).putInt(FORMAT).putInt(k.length).put(k).put(sha256(payload));
            Path tmp = Files.createTempFile(folder, file.getFileName().toString(), ".tmp");
            try (var out = Files.newOutputStream(tmp)) {
                out.write(header.array());
                out.write(payload);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.accept("Could not write the preparation cache entry " + file + ": " + e.getMessage());
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
