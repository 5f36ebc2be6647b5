package dev.lathe.ui.study;

import dev.lathe.TestStudies;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.ConfirmedSpeedup;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.WorkbenchUiTest;
import dev.lathe.ui.common.Formats;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Label;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A front candidate's confirmed speed-up (stored after its search) is shown in the window's candidate detail beside
 * the search's own figure, read from the reopened study file; a candidate never confirmed shows none.
 */
@Tag("ui")
class ConfirmedSpeedupUiTest extends WorkbenchUiTest {
    @TempDir
    Path dir;

    @Test
    void theCandidateDetailShowsTheConfirmedSpeedup(FxRobot robot) throws Exception {
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("digits.sqlite"));
        long confirmed, other;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            // The sample study's own search confirmed its front; these two are off it, so only what this test records shows.
            var already = s.confirmations();
            List<CandidateRecord> done = s.all().stream().filter(CandidateRecord::isDone).filter(c -> !already.containsKey(c.id()))
                    .sorted(Comparator.comparingLong(CandidateRecord::id).reversed()).toList();
            confirmed = done.get(0).id();
            other = done.get(1).id();
            s.recordConfirmation(new ConfirmedSpeedup(confirmed, 1.737, 1.702, 1.771, 0.0191, 0.0110, 30, "wall", "2026-12-04T20:00:00Z"));
        }
        robot.interact(() -> app.view().open(study));
        var vm = app.workbench().study();
        waitUntil(60, () -> vm.row(confirmed) != null && vm.confirmations().containsKey(confirmed));

        robot.interact(() -> vm.selectedProperty().set(vm.row(confirmed)));
        List<String> shown = fx(() -> labels(robot.lookup("#detailFigures").queryAs(Parent.class)));
        int at = shown.indexOf("Confirmed");
        assertTrue(at >= 0, shown.toString());
        assertEquals(Formats.speedup(1.737), shown.get(at + 1), shown.toString());
        assertEquals("A B B A vs original, 1.70–1.77, 30 cycles", shown.get(at + 2), shown.toString());
        assertTrue(shown.indexOf("Speed-up") >= 0 && shown.indexOf("Speed-up") < at, "the search's own figure stays, above it: " + shown);

        robot.interact(() -> vm.selectedProperty().set(vm.row(other)));
        List<String> unconfirmed = fx(() -> labels(robot.lookup("#detailFigures").queryAs(Parent.class)));
        assertFalse(unconfirmed.contains("Confirmed"), unconfirmed.toString());
        assertTrue(unconfirmed.contains("Speed-up"), unconfirmed.toString());
    }

    private static List<String> labels(Parent root) {
        List<String> out = new ArrayList<>();
        for (Node n : root.getChildrenUnmodifiable()) {
            if (n instanceof Label l) out.add(l.getText());
            else if (n instanceof Parent p) out.addAll(labels(p));
        }
        return out;
    }
}
