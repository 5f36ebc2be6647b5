package dev.lathe.bench;

import dev.lathe.analysis.GroupFinder;
import dev.lathe.config.PrecisionChoices;
import dev.lathe.config.PrecisionConfig;
import dev.lathe.config.StudyConfig;
import dev.lathe.model.OnnxModel;
import dev.lathe.search.SearchRunner;
import dev.lathe.search.SearchSpace;
import dev.lathe.study.TabularSpace;
import dev.lathe.study.storage.SqliteSideTables;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Measures a discretized space into a table: an ordinary study file (every candidate a row, readable with any
 * SQLite client) that also states its grid ({@code tabular_space}) and keeps each genome's timing repeats
 * ({@code timing_repeats}). It runs the search loop itself with {@link TableStrategy} proposing the grid, so a
 * table resumes like a search: what is measured stays, the rest follows in the same order. Without the
 * sensitivity pre-pass (it would only steer a search, and the table depends on its grid alone).
 */
public final class Tabulator {
    private Tabulator() {}

    /** The space a table of {@code model} under {@code config} covers, at {@code levels}. */
    public static SearchSpace space(OnnxModel model, StudyConfig config, int levels) {
        PrecisionChoices choices = config.precision().choices();
        if (config.data().dataPath() == null) choices = choices.without(Precision.INT8_STATIC); // as the search: no calibration data
        return new SearchSpace(GroupFinder.analyze(model), choices, Map.of(), config.keepRanges()).withLevels(levels);
    }

    /** The configuration a table is measured under: {@code asked} without the sensitivity pre-pass. */
    public static StudyConfig tableConfig(StudyConfig asked) {
        PrecisionConfig p = asked.precision();
        return asked.with(new PrecisionConfig(p.precisions(), p.quantization(), 0));
    }

    public static SearchRunner.Outcome run(Path modelPath, StudyConfig asked, int levels, int sample, int repeats, long seed, Path out,
                                           SearchRunner.Listener listener) throws Exception {
        StudyConfig config = tableConfig(asked);
        SearchSpace space = space(OnnxModel.load(modelPath), config, levels);
        TabularGrid grid = new TabularGrid(space);
        List<Genome> genomes = grid.genomes(sample, seed);
        boolean whole = grid.size() <= sample;
        listener.message(String.format("Tabulating %d genomes of a %.0f-point grid (%s), %d timing repeats each", genomes.size(), grid.size(),
                whole ? "the whole grid" : sample + " at random plus the corners", repeats));
        try (SqliteStudyStorage store = SqliteStudyStorage.open(out)) {
            SqliteSideTables.recordTabularSpace(out, new TabularSpace(levels, sample, repeats, grid.size(), whole));
            RepeatingMeasurer[] measurer = new RepeatingMeasurer[1];
            SearchRunner runner = new SearchRunner(modelPath, config.withBudget(genomes.size()), store, listener)
                    .measurers((setup, options, log) -> measurer[0] = new RepeatingMeasurer(SearchRunner.DEFAULT_MEASURERS.open(setup, options, log), repeats))
                    .strategies(s -> {
                        if (s.dimensions() != space.dimensions())
                            throw new IllegalStateException("the study's space has " + s.dimensions() + " genes, the table's " + space.dimensions());
                        return new TableStrategy(genomes, out, () -> measurer[0] == null ? null : measurer[0].takeRepeats());
                    });
            return runner.run();
        }
    }
}
