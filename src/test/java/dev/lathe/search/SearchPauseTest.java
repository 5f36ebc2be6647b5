package dev.lathe.search;

import dev.lathe.TestModels;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pausing a real search of the digits MLP: a pause asked for while a candidate is being measured takes effect
 * after it, nothing is measured while it lasts (the measurer is asked for nothing, and the study file, read from
 * another connection, does not change), resuming goes on to the budget, and stopping ends a paused search. No
 * sleeps: a {@link CountingMeasurer} holds the second candidate in flight while the pause is asked for, and the
 * test reads the study once the search thread is parked.
 */
@Tag("slow")
class SearchPauseTest {
    @TempDir
    Path dir;

    /** Tells when a pause took effect and when it ended. */
    private static final class PauseListener implements SearchRunner.Listener {
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch resumed = new CountDownLatch(1);
        volatile Long pausedAfter;
        volatile int measuredAtPause = -1;

        @Override
        public void paused(int measured, int budget, Long lastCandidate) {
            measuredAtPause = measured;
            pausedAfter = lastCandidate;
            paused.countDown();
        }

        @Override
        public void resumed(int measured, int budget) { resumed.countDown(); }
    }

    /** A search of 6 candidates whose second is held in flight, running on a thread of its own. */
    private static final class PausedSearch {
        final PauseListener listener = new PauseListener();
        final CountingMeasurer measurer = new CountingMeasurer(SearchRunner.DEFAULT_MEASURERS, 2);
        final SearchRunner runner;
        final AtomicReference<Thread> thread = new AtomicReference<>();
        final CompletableFuture<SearchRunner.Outcome> running;

        PausedSearch(SqliteStudyStorage store) {
            runner = new SearchRunner(TestModels.digitsMlp(), SearchRunnerTest.quick(6), store, listener).measurers(measurer.factory());
            running = CompletableFuture.supplyAsync(() -> {
                thread.set(Thread.currentThread());
                return run(runner);
            });
        }

        /** Asks for a pause while candidate 2 is being measured, lets it finish, and waits until the search is parked. */
        void pauseDuringTheSecondCandidate() throws InterruptedException {
            measurer.awaitHeld();
            runner.requestPause();
            measurer.release();
            assertTrue(listener.paused.await(120, TimeUnit.SECONDS), "the pause took effect");
            CountingMeasurer.awaitParked(thread.get());
        }
    }

    @Test
    void aPausedSearchMeasuresNothingAndResumesToItsBudget() throws Exception {
        Path study = dir.resolve("paused.sqlite");
        try (SqliteStudyStorage store = SqliteStudyStorage.open(study)) {
            PausedSearch search = new PausedSearch(store);
            search.pauseDuringTheSecondCandidate();
            assertEquals(2, search.listener.measuredAtPause, "paused after the candidate that was in flight");
            assertEquals(2, search.measurer.candidates(), "no candidate was started after the pause was asked for");
            int referencesAtPause = search.measurer.references();

            List<CandidateRecord> atPause = finished(study);
            assertEquals(2, atPause.size());
            assertEquals(atPause.getLast().id(), search.listener.pausedAfter);
            // The search thread is parked waiting for a resume: nothing is measured while it stays so.
            assertEquals(atPause, finished(study), "nothing is measured while paused");
            assertEquals(0, runningCount(study), "no candidate is in flight while paused");
            assertEquals(2, search.measurer.candidates());
            assertEquals(referencesAtPause, search.measurer.references(), "not even the original");
            assertFalse(search.running.isDone());

            search.runner.resume();
            SearchRunner.Outcome o = search.running.get(120, TimeUnit.SECONDS);
            assertEquals(0, search.listener.resumed.getCount(), "the listener heard of the resume");
            assertEquals(6, o.measured());
            assertEquals(6, search.measurer.candidates());
            assertFalse(o.stopped());
            List<CandidateRecord> after = finished(study);
            for (int i = 0; i < 2; i++) {
                // Figures as measured (drift corrections may shift as later references arrive).
                assertEquals(atPause.get(i).id(), after.get(i).id());
                assertEquals(atPause.get(i).finishedAt(), after.get(i).finishedAt(), "measured once, before the pause");
                assertEquals(atPause.get(i).latencyMs(), after.get(i).latencyMs());
            }
            assertEquals(6, after.size());
        }
    }

    @Test
    void stoppingAPausedSearchEndsIt() throws Exception {
        Path study = dir.resolve("stopped.sqlite");
        try (SqliteStudyStorage store = SqliteStudyStorage.open(study)) {
            PausedSearch search = new PausedSearch(store);
            search.pauseDuringTheSecondCandidate();

            search.runner.requestStop();
            SearchRunner.Outcome o = search.running.get(60, TimeUnit.SECONDS);
            assertTrue(o.stopped());
            assertEquals(2, o.measured(), "nothing more was measured after the pause");
            assertEquals(2, search.measurer.candidates());
            assertEquals(1, search.listener.resumed.getCount(), "a stop is not a resume");
            assertEquals(2, store.count(CandidateStatus.DONE) + store.count(CandidateStatus.FAILED));
        }
    }

    @Test
    void aTimeBudgetEndsTheRunBeforeTheCandidateBudgetAndAResumeGoesOn() throws Exception {
        Path study = dir.resolve("timed.sqlite");
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        SearchRunner.Listener listening = new SearchRunner.Listener() {
            @Override
            public void message(String text) { log.add(text); }
        };
        int firstRun;
        try (SqliteStudyStorage store = SqliteStudyStorage.open(study)) {
            SearchRunner.Outcome o = new SearchRunner(TestModels.digitsMlp(), SearchRunnerTest.quick(500), store, listening)
                    .timeBudget(java.time.Duration.ofSeconds(2)).run();
            firstRun = o.measured();
            assertTrue(firstRun >= 1 && firstRun < 500, "the time budget ended the run first: " + firstRun);
            assertTrue(o.stopped(), "a run cut short by its time budget says so");
            assertEquals(firstRun, store.count(CandidateStatus.DONE) + store.count(CandidateStatus.FAILED));
            assertTrue(log.stream().anyMatch(l -> l.startsWith("Time budget of 2 s used after ")), String.join("\n", log));
        }
        // Resumed with a generous time budget and a small candidate budget: the candidate budget ends it.
        try (SqliteStudyStorage store = SqliteStudyStorage.open(study)) {
            SearchRunner.Outcome o = new SearchRunner(TestModels.digitsMlp(), SearchRunnerTest.quick(firstRun + 2), store, listening)
                    .timeBudget(java.time.Duration.ofMinutes(10)).run();
            assertEquals(firstRun + 2, o.measured());
            assertFalse(o.stopped());
        }
        assertThrows(IllegalArgumentException.class, () -> new SearchRunner(TestModels.digitsMlp(), SearchRunnerTest.quick(3), null, listening)
                .timeBudget(java.time.Duration.ZERO));
    }

    private static SearchRunner.Outcome run(SearchRunner runner) {
        try {
            return runner.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The finished candidates, read as another program would: through a connection of its own. */
    private static List<CandidateRecord> finished(Path study) {
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            return s.all().stream().filter(c -> c.status() == CandidateStatus.DONE || c.status() == CandidateStatus.FAILED).toList();
        }
    }

    private static long runningCount(Path study) {
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            return s.count(CandidateStatus.RUNNING);
        }
    }
}
