package dev.lathe.search;

import dev.lathe.config.StudyConfig;
import dev.lathe.config.PrecisionChoices;
import dev.lathe.config.KeepRanges;
import dev.lathe.TestModels;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Keep ranges per group and kind, excluded groups and kept blocks, in the decoding and in a real search. */
class KeepRangesTest {
    @TempDir
    Path dir;

    /**
     * On MiniLM: heads keep 50-100 %, feed-forward units 25-50 %, the first feed-forward group whole, the first two
     * blocks never dropped. Every seed, random genome and NSGA-II offspring keeps each group's units inside its
     * range (the original aside), and other blocks do get dropped.
     */
    @Tag("minilm")
    @Test
    void decodedGenomesStayInsideEachGroupsRange() {
        GroupFinder.Result analysis = GroupFinder.analyze(MutableGraph.of(OnnxModel.load(TestModels.minilm())));
        PrunableGroup firstFfn = analysis.groups().stream().filter(g -> g.kind() == GroupKind.FFN_UNITS).findFirst().orElseThrow();
        List<String> kept = analysis.blocks().stream().limit(2).map(RemovableBlock::id).toList();
        KeepRanges ranges = new KeepRanges(0.9, Map.of("attention_heads", new KeepRanges.Range(0.5, 1), "ffn_units", new KeepRanges.Range(0.25, 0.5),
                firstFfn.id(), KeepRanges.Range.WHOLE), kept);
        SearchSpace space = new SearchSpace(analysis, PrecisionChoices.DEFAULT, Map.of(), ranges);
        List<Genome> genomes = new ArrayList<>(space.seeds().subList(1, space.seeds().size()));
        Random rnd = new Random(7);
        for (int i = 0; i < 400; i++) genomes.add(space.random(rnd));
        Nsga2Strategy nsga = new Nsga2Strategy(space, 8, 3);
        for (int gen = 0; gen < 4; gen++)
            for (Genome g : nsga.ask(8)) {
                genomes.add(g);
                nsga.tell(g, new double[] {rnd.nextDouble(), -rnd.nextDouble()});
            }
        int dropped = 0;
        for (Genome g : genomes) {
            if (g.isOriginal()) continue; // the baseline, measured whatever the ranges
            for (PrunableGroup group : analysis.groups()) {
                KeepRanges.Range r = group == firstFfn ? KeepRanges.Range.WHOLE
                        : group.kind() == GroupKind.ATTENTION_HEADS ? new KeepRanges.Range(0.5, 1) : new KeepRanges.Range(0.25, 0.5);
                assertEquals(r, space.range(group));
                long units = Math.round(g.keepRatio(group.id()) * group.size());
                assertTrue(units >= Math.ceil(r.min() * group.size() - 1e-9) && units <= Math.floor(r.max() * group.size() + 1e-9),
                        group.id() + " keeps " + units + " of " + group.size() + " outside " + r + " in " + GenomeJson.write(g));
            }
            assertFalse(g.keepRatios().containsKey(firstFfn.id()), "the whole group is never pruned");
            for (String b : kept) assertFalse(g.droppedBlocks().contains(b), b + " is never dropped");
            dropped += g.droppedBlocks().size();
        }
        assertTrue(dropped > 0, "blocks not kept are still searched");
    }

    /** A real short search on the digits MLP: the first layer keeps 50-75 % of its units, the second is kept whole. */
    @Test
    void aSearchBuildsOnlyCandidatesInsideTheRanges() throws Exception {
        GroupFinder.Result analysis = GroupFinder.analyze(MutableGraph.of(OnnxModel.load(TestModels.digitsMlp())));
        PrunableGroup first = analysis.groups().get(0), second = analysis.groups().get(1);
        KeepRanges ranges = new KeepRanges(null, Map.of(first.id(), new KeepRanges.Range(0.5, 0.75), second.id(), KeepRanges.Range.WHOLE), List.of());
        StudyConfig s = SearchRunnerTest.quick(8).with(dev.lathe.config.PrecisionConfig.of(PrecisionChoices.DEFAULT, dev.lathe.transform.quantization.QuantizationOptions.DEFAULT, 0))
                .with(ranges);
        Path file = dir.resolve("ranges.sqlite");
        try (SqliteStudyStorage store = SqliteStudyStorage.open(file)) {
            new SearchRunner(TestModels.digitsMlp(), s, store, new SearchRunner.Listener() {}).run();
        }
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(file)) {
            StudyConfig stored = StudyConfig.of(store).orElseThrow();
            assertEquals(ranges, stored.keepRanges());
            OnnxModel original = OnnxModel.load(TestModels.digitsMlp());
            CandidateBuilder builder = CandidateBuilder.create(original, dev.lathe.transform.pruning.PruningOptions.MAGNITUDE, stored.precision().quantization(), null);
            int pruned = 0;
            for (CandidateRecord c : store.all()) {
                Genome g = GenomeJson.read(c.genomeJson());
                if (g.isOriginal()) continue;
                Map<String, int[]> plan = builder.plan(g).keptUnits();
                int keptFirst = plan.containsKey(first.id()) ? plan.get(first.id()).length : first.size();
                assertTrue(keptFirst >= 64 && keptFirst <= 96, "candidate #" + c.id() + " keeps " + keptFirst + " of 128");
                assertFalse(plan.containsKey(second.id()) && plan.get(second.id()).length < second.size(), "candidate #" + c.id() + " prunes the whole-kept group");
                if (keptFirst < 128) pruned++;
            }
            assertTrue(pruned > 0, "the range is searched, not only its top");
        }
    }

    @Test
    void unknownKeysAreRefusedNamingThemAndTheKnownOnes() {
        GroupFinder.Result analysis = GroupFinder.analyze(MutableGraph.of(OnnxModel.load(TestModels.digitsMlp())));
        var e = assertThrows(IllegalArgumentException.class, () -> new KeepRanges(null, Map.of("conv_channels", KeepRanges.Range.WHOLE,
                "mlp:/nope", KeepRanges.Range.WHOLE), List.of()).requireKnown(analysis));
        assertTrue(e.getMessage().contains("conv_channels, mlp:/nope") && e.getMessage().contains("this model has no conv_channels groups")
                && e.getMessage().contains("kinds: mlp_units") && e.getMessage().contains(analysis.groups().get(0).id()), e.getMessage());
        var b = assertThrows(IllegalArgumentException.class, () -> new KeepRanges(null, Map.of(), List.of("block:9")).requireKnown(analysis));
        assertTrue(b.getMessage().contains("block:9") && b.getMessage().contains("removable blocks: none"), b.getMessage());
    }
}
