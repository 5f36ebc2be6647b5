package dev.lathe.search;

import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.CandidateMeasurer;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.SessionInfo;
import dev.lathe.model.OnnxModel;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A test double around a search's real measurer: counts the candidates and references it is asked to measure
 * (the figures stay real), and can hold one candidate in flight until the test releases it, so a test decides
 * exactly what happens while that candidate is being measured instead of sleeping and hoping.
 */
public final class CountingMeasurer {
    private final SearchRunner.MeasurerFactory real;
    private final int held;
    private final AtomicInteger candidates = new AtomicInteger();
    private final AtomicInteger references = new AtomicInteger();
    private final CountDownLatch inFlight = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile Thread measuring;

    /** Measures with {@code real}; the {@code held}-th candidate (1-based; 0 for none) waits for {@link #release}. */
    public CountingMeasurer(SearchRunner.MeasurerFactory real, int held) {
        this.real = real;
        this.held = held;
    }

    /** The factory to give {@link SearchRunner#measurers}. */
    public SearchRunner.MeasurerFactory factory() {
        return (setup, options, log) -> {
            CandidateMeasurer measurer = real.open(setup, options, log);
            return new CandidateMeasurer() {
                @Override
                public SessionInfo start() { return measurer.start(); }

                @Override
                public Measurement measure(OnnxModel candidate) throws CandidateFailedException {
                    measuring = Thread.currentThread();
                    if (candidates.incrementAndGet() == held) {
                        inFlight.countDown();
                        awaitOrFail(release, "the test to release candidate " + held);
                    }
                    return measurer.measure(candidate);
                }

                @Override
                public Measurement measureReference() throws CandidateFailedException {
                    references.incrementAndGet();
                    return measurer.measureReference();
                }

                @Override
                public boolean isolated() { return measurer.isolated(); }

                @Override
                public void close() { measurer.close(); }
            };
        };
    }

    /** Candidates the search has asked to measure so far (the held one included once it is in flight). */
    public int candidates() { return candidates.get(); }

    /** Times the search has asked for the original again (drift references). */
    public int references() { return references.get(); }

    /** The thread that asked for the last candidate: the search's own thread. */
    public Thread measuringThread() { return measuring; }

    /** Waits until the held candidate is in flight. */
    public void awaitHeld() {
        awaitOrFail(inFlight, "candidate " + held + " to be measured");
    }

    /** Lets the held candidate be measured. */
    public void release() {
        release.countDown();
    }

    /**
     * Waits until {@code thread} is parked without a timeout (in {@code Object.wait}, {@code LockSupport.park} and
     * the like): a search thread that does so while paused is waiting to be woken, not measuring. A thread that
     * measures is running or waiting on the worker with a timeout, and never gets here.
     */
    public static void awaitParked(Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (thread.getState() != Thread.State.WAITING) {
            assertTrue(thread.isAlive(), "the search thread ended instead of waiting");
            assertTrue(System.nanoTime() < deadline, "the search thread never waited: " + thread.getState());
            Thread.yield();
        }
    }

    private static void awaitOrFail(CountDownLatch latch, String what) {
        try {
            assertTrue(latch.await(120, TimeUnit.SECONDS), "waited 120 s for " + what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + what, e);
        }
    }
}
