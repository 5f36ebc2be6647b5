package dev.lathe.cli;

import dev.lathe.TestModels;
import dev.lathe.study.PredictorReport;
import dev.lathe.study.storage.SqliteSideTables;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** search --strategy predictor end to end: its reports are stored per generation and candidates prints them. */
@Tag("slow")
class PredictorSearchCommandTest {
    @TempDir
    Path dir;

    @Test
    void aPredictorSearchStoresAReportPerGenerationThatCandidatesShows() {
        Path study = dir.resolve("p.lathe");
        Path model = TestModels.digitsCnn();
        LatheCommandTest.Run r = LatheCommandTest.lathe("search", model.toString(), "--data", model.resolveSibling("test.csv").toString(),
                "--study", study.toString(), "--strategy", "predictor", "--budget", "12", "--population", "6", "--quick", "--in-process",
                "--sensitivity-samples", "0");
        assertEquals(0, r.code(), r.err() + r.out());
        List<PredictorReport> reports = SqliteSideTables.predictorReports(study);
        assertEquals(List.of(0, 6), reports.stream().map(PredictorReport::measured).toList(), "one report per generation asked");
        assertTrue(reports.stream().allMatch(p -> p.mode().equals("warm-up")), "below 10 measured it is plain NSGA-II");
        LatheCommandTest.Run c = LatheCommandTest.lathe("candidates", "--study", study.toString());
        assertTrue(c.out().contains("predictor, per generation"), c.out());
        assertTrue(c.out().contains("after 6 measured: warm-up"), c.out());
    }
}
