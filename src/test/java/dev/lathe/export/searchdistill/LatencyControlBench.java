package dev.lathe.export.searchdistill;

import dev.lathe.config.StudyConfig;
import dev.lathe.search.CandidateBuilders;
import dev.lathe.study.StudyModel;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.GenomeJson;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The control for the distilled latency figures in docs/distillation-in-use.md, not a test: times each candidate,
 * undistilled, against a second build of itself with {@link DistilledLatency}, so any ratio away from 1 is the
 * comparison's own bias. Reads the study only. Arguments: STUDY ID...
 */
public final class LatencyControlBench {
    public static void main(String[] args) throws Exception {
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(Path.of(args[0]))) {
            StudyModel model = StudyModel.of(store);
            StudyConfig config = StudyConfig.of(store).orElseThrow();
            var builder = CandidateBuilders.of(model.model(), config, config.data().resolve(model.model()));
            DistilledLatency latency = new DistilledLatency(store);
            for (int i = 1; i < args.length; i++) {
                long id = Long.parseLong(args[i]);
                var genome = GenomeJson.read(store.get(id).orElseThrow().genomeJson());
                Path copy = Files.createTempFile("lathe-latency-control-", ".onnx");
                try {
                    builder.build(genome).save(copy);
                    System.out.println("#" + id + " against itself: " + latency.measure(genome, copy).describe());
                } finally {
                    Files.deleteIfExists(copy);
                }
            }
        }
    }
}
