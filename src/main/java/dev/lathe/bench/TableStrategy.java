package dev.lathe.bench;

import dev.lathe.search.SearchStrategy;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.study.storage.SqliteSideTables;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Tabulation as a strategy: it proposes the grid's genomes in their order, skipping those already measured (so a
 * resumed table goes on where it stopped), and stores each measured genome's timing repeats as it is told.
 */
final class TableStrategy implements SearchStrategy {
    private final List<Genome> genomes;
    private final Path file;
    private final Supplier<double[]> repeats;
    private final Set<Genome> seen = new HashSet<>();
    private int next;

    TableStrategy(List<Genome> genomes, Path file, Supplier<double[]> repeats) {
        this.genomes = genomes;
        this.file = file;
        this.repeats = repeats;
    }

    @Override
    public String id() { return "table"; }

    @Override
    public List<Genome> ask(int count) {
        List<Genome> out = new ArrayList<>();
        while (out.size() < count && next < genomes.size()) {
            Genome g = genomes.get(next++);
            if (!seen.contains(g)) out.add(g);
        }
        return out;
    }

    @Override
    public void tell(Genome genome, double[] objectives, double[] constraints) {
        seen.add(genome);
        double[] r = repeats.get(); // null when replayed on resume or when the candidate failed
        if (r != null) SqliteSideTables.recordRepeats(file, GenomeJson.write(genome), r);
    }
}
