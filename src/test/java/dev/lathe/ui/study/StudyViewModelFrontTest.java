package dev.lathe.ui.study;

import dev.lathe.ui.common.Background;

import dev.lathe.TestStudies;
import dev.lathe.config.Studies;
import dev.lathe.study.Objective;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The study view model marks the study's own front, without a toolkit: a memory-objective study gets its memory front. */
class StudyViewModelFrontTest {
    @TempDir
    Path dir;

    @Test
    void aMemoryObjectiveStudyShowsItsMemoryFront() {
        Path file = TestStudies.memoryObjectiveStudy(dir.resolve("memory.sqlite"));
        StudyViewModel.Opened opened = StudyViewModel.read(file);
        assertEquals(TestStudies.MEMORY_FRONT, opened.front());
        StudyViewModel vm = new StudyViewModel(new Background());
        vm.setCandidates(file, opened.study());
        Set<Long> marked = new TreeSet<>();
        for (CandidateRow r : vm.rows()) if (r.isPareto()) marked.add(r.id());
        assertEquals(TestStudies.MEMORY_FRONT, marked);
        assertEquals(Objective.MEMORY, vm.objectiveProperty().get());
        assertEquals(1.0, vm.rows().stream().filter(CandidateRow::isOriginal).findFirst().orElseThrow().speedup(), 0.0);
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(file)) {
            assertEquals(Studies.read(s).frontIds(), marked);
        }
    }
}
