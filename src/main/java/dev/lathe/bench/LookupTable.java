package dev.lathe.bench;

import dev.lathe.config.StudyConfig;
import dev.lathe.config.Studies;
import dev.lathe.model.OnnxModel;
import dev.lathe.search.HypervolumeHistory;
import dev.lathe.search.SearchSpace;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.Objective;
import dev.lathe.study.ReferenceRun;
import dev.lathe.study.Study;
import dev.lathe.study.TabularSpace;
import dev.lathe.study.storage.SqliteSideTables;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A measured table read for replay. Each genome has its cost repeats (drift-corrected latency, each timing repeat
 * scaled by the correction of the recorded one; the original's are its reference re-measurements, whose median
 * is the study's anchor; for a memory objective the one figure) and its quality, or is a
 * failure. What a search saw is judged on each genome's median cost, the table's best estimate, so a lucky repeat
 * cannot put a replay above the table's own front: its hypervolume, normalized as {@link HypervolumeHistory}
 * normalizes (cost over the original's, 1 - quality, reference (1, 1)), is the 1.0 of every replay.
 */
public final class LookupTable {
    /** One genome: its cost repeats, median cost and quality; {@code failed} where it could not be measured. */
    public record Entry(Genome genome, double[] costs, double medianCost, double quality, boolean failed) {}

    private final Map<Genome, Entry> entries;
    private final TabularSpace tabular;
    private final StudyConfig config;
    private final Path modelPath;
    private final double baseCost;
    private final double frontHypervolume;

    private LookupTable(Map<Genome, Entry> entries, TabularSpace tabular, StudyConfig config, Path modelPath) {
        this.entries = entries;
        this.tabular = tabular;
        this.config = config;
        this.modelPath = modelPath;
        Entry original = entries.get(Genome.ORIGINAL);
        if (original == null || original.failed()) throw new IllegalArgumentException("the table has no measured original to normalize by");
        this.baseCost = original.medianCost();
        this.frontHypervolume = hypervolume(entries.values().stream().filter(e -> !e.failed()).toList());
        if (!(frontHypervolume > 0)) throw new IllegalArgumentException("the table's front has no hypervolume: nothing beats the original");
    }

    /** Reads {@code file}; the model is found where the table was made, else beside the table under the same name. */
    public static LookupTable open(Path file) {
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(file)) {
            TabularSpace tabular = SqliteSideTables.tabularSpace(file)
                    .orElseThrow(() -> new IllegalArgumentException(file + " is a study, not a table: it states no levels (make one with tabulate)"));
            StudyConfig config = StudyConfig.of(store).orElseThrow(() -> new IllegalArgumentException(file + " has no configuration"));
            Study study = Studies.read(store);
            Map<String, double[]> repeats = SqliteSideTables.repeats(file);
            Map<Genome, Entry> entries = new LinkedHashMap<>();
            for (CandidateRecord c : study.trials()) {
                Genome g = GenomeJson.read(c.genomeJson());
                if (c.status() == CandidateStatus.FAILED) entries.put(g, new Entry(g, new double[0], Double.NaN, Double.NaN, true));
                if (!c.isDone() || c.quality() == null) continue;
                double cost = study.cost(c);
                double[] costs = {cost};
                double[] r = repeats.get(c.genomeJson());
                if (study.objective() == Objective.LATENCY && Study.isOriginal(c) && !study.references().isEmpty()) {
                    // The original's figure is the median of its re-measurements, which are its repeats.
                    costs = study.references().stream().mapToDouble(ReferenceRun::latencyMs).toArray();
                } else if (study.objective() == Objective.LATENCY && r != null && c.latencyMs() != null && c.latencyMs() > 0) {
                    double correction = cost / c.latencyMs();
                    costs = Arrays.stream(r).map(v -> v * correction).toArray();
                }
                entries.put(g, new Entry(g, costs, median(costs), c.quality(), false));
            }
            String stored = store.origin().map(o -> o.modelPath()).orElse(null);
            Path model = stored == null ? null : Path.of(stored);
            if (model != null && !Files.isRegularFile(model) && file.toAbsolutePath().getParent() != null)
                model = file.toAbsolutePath().getParent().resolve(model.getFileName());
            if (model != null && !Files.isRegularFile(model)) model = inBuildModels(model.getFileName(), model);
            return new LookupTable(entries, tabular, config, model);
        }
    }

    /**
     * A checkout's build fetches the Maven-packaged models (MiniLM) into {@code target/models/NAME/}; a table made in
     * another checkout stores that checkout's absolute path, so the same file name is looked up there before the
     * user is asked for {@code --model}.
     */
    private static Path inBuildModels(Path fileName, Path otherwise) {
        Path models = Path.of("target", "models");
        if (!Files.isDirectory(models)) return otherwise;
        try (var dirs = Files.list(models)) {
            return dirs.map(d -> d.resolve(fileName)).filter(Files::isRegularFile).findFirst().orElse(otherwise);
        } catch (java.io.IOException e) {
            return otherwise;
        }
    }

    public TabularSpace tabular() { return tabular; }

    public StudyConfig config() { return config; }

    public int size() { return entries.size(); }

    /** The space the table covers, at its levels, over {@code model} (null: the table's own). */
    public SearchSpace space(Path model) {
        Path m = model != null ? model : modelPath;
        if (m == null || !Files.isRegularFile(m)) throw new IllegalArgumentException("the table's model is not found (" + m + "): give it with --model");
        return Tabulator.space(OnnxModel.load(m), config, tabular.levels());
    }

    /**
     * The entry for {@code g}; a genome the table lacks (a sampled table) gets the nearest one measured, by
     * distance between the genes of {@code space}.
     */
    public Entry lookup(Genome g, SearchSpace space) {
        Entry e = entries.get(g);
        if (e != null) return e;
        double[] x = space.encode(g);
        Entry best = null;
        double bestDistance = Double.MAX_VALUE;
        for (Entry c : entries.values()) {
            double[] y = space.encode(c.genome());
            double d = 0;
            for (int i = 0; i < x.length; i++) d += (x[i] - y[i]) * (x[i] - y[i]);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }

    /** One of {@code e}'s cost repeats, drawn with {@code rnd}. */
    static double draw(Entry e, Random rnd) {
        return e.costs()[rnd.nextInt(e.costs().length)];
    }

    /** The point a measured entry adds to a front, normalized as {@link HypervolumeHistory} does. */
    double[] point(Entry e) {
        return new double[] {clip(e.medianCost() / baseCost), clip(1 - e.quality())};
    }

    /** The hypervolume of the table's whole front. */
    public double frontHypervolume() { return frontHypervolume; }

    private double hypervolume(List<Entry> measured) {
        return HypervolumeHistory.hypervolume(nonDominated(measured.stream().map(this::point).toList()));
    }

    static List<double[]> nonDominated(List<double[]> points) {
        List<double[]> front = new ArrayList<>();
        for (double[] p : points) {
            boolean dominated = false;
            for (double[] q : points)
                if (q != p && q[0] <= p[0] && q[1] <= p[1] && (q[0] < p[0] || q[1] < p[1])) { dominated = true; break; }
            if (!dominated && front.stream().noneMatch(q -> q[0] == p[0] && q[1] == p[1])) front.add(p);
        }
        return front;
    }

    private static double clip(double v) {
        return Double.isNaN(v) ? 1 : Math.max(0, Math.min(1, v));
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
