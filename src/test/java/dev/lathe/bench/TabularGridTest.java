package dev.lathe.bench;

import dev.lathe.TestModels;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.config.KeepRanges;
import dev.lathe.config.PrecisionChoices;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.search.SearchSpace;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TabularGridTest {
    /**
     * MiniLM's reduced space of its committed table: heads whole, every block kept, only the six FFN intermediate
     * MatMuls may change precision. The grid is 3^6 keep levels x 2^6 precisions; the kept blocks' genes must not
     * count, and a sampled grid's corners must not index a held group's single level past its end (both broke the
     * first MiniLM table).
     */
    @Test
    @Tag("minilm")
    void heldGroupsAndKeptBlocksDoNotWidenTheGridAndSampledCornersStayInside() throws Exception {
        GroupFinder.Result analysis = GroupFinder.analyze(MutableGraph.of(OnnxModel.load(TestModels.minilm())));
        List<String> blocks = analysis.blocks().stream().map(RemovableBlock::id).toList();
        KeepRanges ranges = new KeepRanges(null, Map.of("attention_heads", KeepRanges.Range.WHOLE, "ffn_units", new KeepRanges.Range(0.25, 1)), blocks);
        PrecisionChoices choices = PrecisionChoices.DEFAULT;
        for (var layer : analysis.quantizable())
            if (!layer.id().contains("intermediate")) choices = choices.pin(layer.id(), List.of());
        SearchSpace space = new SearchSpace(analysis, choices, Map.of(), ranges).withLevels(3);
        TabularGrid grid = new TabularGrid(space);
        assertEquals(729.0 * 64, grid.size());

        List<Genome> genomes = grid.genomes(20, 7);
        assertEquals(Genome.ORIGINAL, genomes.getFirst());
        assertTrue(genomes.size() >= 20 && genomes.size() <= 1 + 4 + 20, "original, corners and the sample: " + genomes.size());
        for (Genome g : genomes) {
            assertTrue(g.droppedBlocks().isEmpty(), "no kept block is dropped: " + g);
            g.keepRatios().forEach((group, r) -> assertTrue(group.startsWith("ffn:"), "heads stay whole: " + g));
            g.precisions().forEach((layer, p) -> {
                assertTrue(layer.contains("intermediate"), "only the free layers change precision: " + g);
                assertEquals(Precision.INT8, p);
            });
        }
    }
}
