package dev.lathe.search;

import dev.lathe.bench.LookupTable;
import dev.lathe.config.StrategyKind;
import dev.lathe.study.PredictorReport;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;

import java.nio.file.Path;
import java.util.*;

/**
 * Not a test: a diagnosis of the predictor strategy replayed against a table (java -cp test-classes:lathe.jar
 * dev.lathe.search.PredictorDiagnosis TABLE SEEDS BUDGET [STRATEGY [MODEL]]). Per generation: the mode, the cross-validated and batch
 * taus, how many of the batch's genomes land on a table entry already evaluated (a sampled table maps an unmeasured
 * genome to the nearest measured one), on the table's true front, and the hypervolume the predicted and the plain
 * shares added.
 */
public final class PredictorDiagnosis {
    public static void main(String[] args) {
        LookupTable table = LookupTable.open(Path.of(args[0]));
        int seeds = Integer.parseInt(args[1]), budget = Integer.parseInt(args[2]);
        StrategyKind kind = args.length > 3 ? StrategyKind.valueOf(args[3].toUpperCase()) : StrategyKind.PREDICTOR;
        SearchSpace space = table.space(args.length > 4 ? Path.of(args[4]) : null);
        double base = table.lookup(Genome.ORIGINAL, space).medianCost();
        // The table's true front, on median cost and quality.
        List<LookupTable.Entry> all = new ArrayList<>();
        for (Genome g : allGenomes(args[0])) all.add(table.lookup(g, space));
        Set<Genome> front = new HashSet<>();
        for (LookupTable.Entry e : all) {
            if (e.failed()) continue;
            boolean dom = false;
            for (LookupTable.Entry o : all)
                if (!o.failed() && o.medianCost() <= e.medianCost() && o.quality() >= e.quality() && (o.medianCost() < e.medianCost() || o.quality() > e.quality())) { dom = true; break; }
            if (!dom) front.add(e.genome());
        }
        System.out.printf("table %s: %d entries, %d on the front, base %.5f%n", args[0], all.size(), front.size(), base);
        for (Genome g : front) { var e = table.lookup(g, space); System.out.printf("  front: cost %.3f quality %.4f %s%n", e.medianCost() / base, e.quality(), GenomeJson.write(g)); }
        int[] tot = new int[8]; // predicted: n, dupEntry, onFront; plain: n, dupEntry, onFront; gens predicted, gens total
        double[] hvAdd = new double[2];
        for (int seed = 1; seed <= seeds; seed++) {
            List<PredictorReport> reports = new ArrayList<>();
            SearchStrategy s = Strategies.of(kind, space, 12, seed, reports::add, m -> {});
            Random rep = new Random(seed * 7919L + kind.ordinal());
            Set<Genome> evaluated = new HashSet<>();
            Set<Genome> entriesSeen = new HashSet<>();
            List<double[]> found = new ArrayList<>();
            int measured = 0, gen = 0;
            double hv = 0;
            StringBuilder line = new StringBuilder();
            while (measured < budget) {
                List<Genome> asked = s.ask(Math.min(12, budget - measured));
                Set<String> pk = s instanceof PredictorStrategy p ? p.predictedKeys() : Set.of();
                PredictorReport r = reports.isEmpty() ? null : reports.get(reports.size() - 1);
                List<Genome> fresh = new ArrayList<>();
                for (Genome g : asked) if (evaluated.add(g)) fresh.add(g);
                if (fresh.isEmpty()) break;
                int[] c = new int[6];
                double[] add = new double[2];
                for (Genome g : fresh) {
                    if (measured >= budget) break;
                    boolean pred = pk.contains(GenomeJson.write(g));
                    var e = table.lookup(g, space);
                    int o = pred ? 0 : 3;
                    c[o]++;
                    if (!entriesSeen.add(e.genome())) c[o + 1]++;
                    if (front.contains(e.genome())) c[o + 2]++;
                    double before = hv;
                    if (e.failed()) s.tell(g, new double[] {Double.MAX_VALUE, Double.MAX_VALUE});
                    else {
                        s.tell(g, new double[] {e.costs()[rep.nextInt(e.costs().length)], -e.quality()});
                        found.add(new double[] {Math.min(1, e.medianCost() / base), Math.min(1, 1 - e.quality())});
                        found = nd(found);
                        hv = HypervolumeHistory.hypervolume(found) / table.frontHypervolume();
                    }
                    add[pred ? 0 : 1] += hv - before;
                    measured++;
                }
                if (gen > 0) { // the warm-up is the same seeds for both: count what follows it
                    for (int i = 0; i < 6; i++) tot[i] += c[i];
                    hvAdd[0] += add[0];
                    hvAdd[1] += add[1];
                }
                tot[7]++;
                if (r != null && r.mode().equals("predicted")) tot[6]++;
                if (seed <= 3)
                    line.append(String.format("  gen %d %-9s cvTau c %s q %s | batchTau c %s q %s err c %s q %s | pred %d dup %d front %d +hv %.3f | plain %d dup %d front %d +hv %.3f | hv %.3f%n",
                            gen, r == null ? "-" : r.mode(), f(r == null ? null : r.cvTauCost()), f(r == null ? null : r.cvTauQuality()),
                            f(r == null ? null : r.batchTauCost()), f(r == null ? null : r.batchTauQuality()), f(r == null ? null : r.batchErrorCost()),
                            f(r == null ? null : r.batchErrorQuality()), c[0], c[1], c[2], add[0], c[3], c[4], c[5], add[1], hv));
                gen++;
            }
            if (seed <= 3) System.out.print("seed " + seed + "\n" + line);
            System.out.printf("seed %d final hv %.3f%n", seed, hv);
        }
        System.out.printf("TOTAL after the warm-up: predicted share: %d proposals, %d duplicate entries, %d on front, hv added %.3f | plain: %d, dup %d, front %d, hv added %.3f | generations predicted %d of %d%n",
                tot[0], tot[1], tot[2], hvAdd[0], tot[3], tot[4], tot[5], hvAdd[1], tot[6], tot[7]);
    }

    private static String f(Double d) { return d == null ? "  -  " : String.format("%5.2f", d); }

    private static List<double[]> nd(List<double[]> pts) {
        List<double[]> out = new ArrayList<>();
        for (double[] p : pts) {
            boolean dom = false;
            for (double[] q : pts) if (q != p && q[0] <= p[0] && q[1] <= p[1] && (q[0] < p[0] || q[1] < p[1])) { dom = true; break; }
            if (!dom && out.stream().noneMatch(q -> q[0] == p[0] && q[1] == p[1])) out.add(p);
        }
        return out;
    }

    private static List<Genome> allGenomes(String file) {
        List<Genome> out = new ArrayList<>();
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file); var st = c.createStatement(); var rs = st.executeQuery("select genome_key from candidates")) {
            while (rs.next()) out.add(GenomeJson.read(rs.getString(1)));
        } catch (java.sql.SQLException e) { throw new RuntimeException(e); }
        return out;
    }
}
