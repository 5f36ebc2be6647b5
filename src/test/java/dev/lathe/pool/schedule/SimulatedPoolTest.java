package dev.lathe.pool.schedule;

import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.timing.LatencyStats;
import dev.lathe.eval.Measurement;
import dev.lathe.pool.DeviceDescription;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scheduler driven by in-process fake devices with set latencies and failure rates: throughput grows close
 * to linearly with devices, no device ever holds two candidates, no candidate is lost or measured twice, and a
 * candidate that kills devices fails after two deaths without emptying the pool.
 */
class SimulatedPoolTest {
    /** Successful measurements per candidate, over every fake device of a run. */
    private final Map<Long, AtomicInteger> measuredTimes = new ConcurrentHashMap<>();
    private final List<String> overlaps = new CopyOnWriteArrayList<>();

    private class FakeDevice implements Device {
        final String id;
        final long latencyMillis;
        final double lossRate;
        final Random random;
        final Set<Long> killers;
        final AtomicInteger inFlight = new AtomicInteger();
        /** What this device did, in order: "R" for a reference, the candidate's id for a candidate. */
        final List<String> done = new CopyOnWriteArrayList<>();
        volatile boolean dead;
        /** Called when this device dies: a real device reboots and its agent joins again as a new member. */
        volatile Runnable onDeath = () -> { };

        FakeDevice(String id, long latencyMillis, double lossRate, long seed, Set<Long> killers) {
            this.id = id;
            this.latencyMillis = latencyMillis;
            this.lossRate = lossRate;
            this.random = new Random(seed);
            this.killers = killers;
        }

        @Override public String id() { return id; }

        @Override
        public DeviceDescription description() {
            return new DeviceDescription(id, "sim", "Simulated CPU", 4, "amd64", "Linux", null, "1.23.2", List.of("cpu"), "dev");
        }

        @Override
        public Measurement measure(Candidate c) throws DeviceLostException {
            enter();
            try {
                sleep(latencyMillis);
                synchronized (random) {
                    if (killers.contains(c.id()) || random.nextDouble() < lossRate) {
                        dead = true;
                        onDeath.run();
                        throw new DeviceLostException("simulated death of " + id, null);
                    }
                }
                measuredTimes.computeIfAbsent(c.id(), k -> new AtomicInteger()).incrementAndGet();
                done.add(Long.toString(c.id()));
                return figures(latencyMillis);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public Measurement reference() throws DeviceLostException {
            enter();
            try {
                sleep(latencyMillis / 4);
                done.add("R");
                return figures(latencyMillis);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        private void enter() throws DeviceLostException {
            if (dead) throw new DeviceLostException("called after its death: " + id, null);
            if (inFlight.incrementAndGet() > 1) overlaps.add(id);
        }
    }

    private static Measurement figures(double ms) {
        LatencyStats stats = LatencyStats.of(new double[] {ms, ms, ms}, 1, 1, "cpu", "1x1");
        return new Measurement(stats, null, 1, 1, ms / 1000);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A fake that, when it dies, comes back 50 ms later as a new device (its agent restarted). */
    private FakeDevice rebooting(Scheduler s, String name, int life, long latencyMillis, double lossRate, Set<Long> killers) {
        FakeDevice d = new FakeDevice(name + "#" + life, latencyMillis, lossRate, name.hashCode() * 31L + life, killers);
        d.onDeath = () -> Thread.ofVirtual().start(() -> {
            sleep(50);
            s.add(rebooting(s, name, life + 1, latencyMillis, lossRate, killers));
        });
        return d;
    }

    /** Measures {@code candidates} on {@code devices} fakes; returns the wall seconds. */
    private double run(int devices, int candidates, long latencyMillis, double lossRate, Set<Long> killers,
                       List<CompletableFuture<DeviceMeasurement>> results) throws Exception {
        try (Scheduler s = new Scheduler(10, null)) {
            for (int d = 0; d < devices; d++) s.add(rebooting(s, "dev-" + d, 1, latencyMillis, lossRate, killers));
            long t0 = System.nanoTime();
            for (long id = 1; id <= candidates; id++) results.add(s.submit(new Candidate(id, "{}")));
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).exceptionally(x -> null).get(60, TimeUnit.SECONDS);
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    @Test
    void thirtyTwoDevicesScaleCloseToLinearlyAndMeasureEveryCandidateOnce() throws Exception {
        List<CompletableFuture<DeviceMeasurement>> one = new ArrayList<>();
        double oneDevice = run(1, 40, 20, 0, Set.of(), one);
        measuredTimes.clear();
        List<CompletableFuture<DeviceMeasurement>> many = new ArrayList<>();
        // 5% of calls kill their device, which reboots and joins again: candidates move on, never measured twice.
        double thirtyTwo = run(32, 640, 20, 0.05, Set.of(), many);

        double perSecondOne = 40 / oneDevice;
        double perSecondMany = 640 / thirtyTwo;
        double speedUp = perSecondMany / perSecondOne;
        System.out.printf("simulation: 1 device %.1f candidates/s, 32 devices %.1f candidates/s (x%.1f)%n", perSecondOne, perSecondMany, speedUp);
        assertTrue(overlaps.isEmpty(), "devices that held two candidates at once: " + overlaps);
        int done = 0, failed = 0;
        Set<String> devicesUsed = new java.util.HashSet<>();
        for (CompletableFuture<DeviceMeasurement> f : many) {
            try {
                DeviceMeasurement m = f.get();
                devicesUsed.add(m.device());
                done++;
                assertEquals(1, measuredTimes.get(m.candidateId()).get(), "candidate " + m.candidateId() + " measured more than once");
            } catch (ExecutionException e) {
                assertTrue(e.getCause() instanceof CandidateFailedException, "failed for another reason: " + e.getCause());
                assertTrue(e.getCause().getMessage().startsWith("2 devices died"), e.getCause().getMessage());
                failed++;
            }
        }
        assertEquals(640, done + failed, "every candidate has an outcome");
        assertEquals(done, measuredTimes.size(), "no candidate measured without its result coming back");
        assertTrue(devicesUsed.size() >= 24, "the work spread over the pool: " + devicesUsed.size() + " devices");
        // Deaths cost the call and a reboot; the rest is ideal.
        assertTrue(speedUp > 20, "32 devices measured only x" + speedUp + " as fast as one");
    }

    @Test
    void aCandidateThatKillsDevicesFailsAfterTwoDeathsAndTheRestIsMeasured() throws Exception {
        List<CompletableFuture<DeviceMeasurement>> results = new ArrayList<>();
        run(4, 20, 5, 0, Set.of(7L), results);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> results.get(6).get());
        assertTrue(e.getCause().getMessage().startsWith("2 devices died measuring it"), e.getCause().getMessage());
        for (int i = 0; i < results.size(); i++) {
            if (i == 6) continue;
            DeviceMeasurement m = results.get(i).get();
            assertEquals(i + 1, m.candidateId());
            assertEquals(1, measuredTimes.get(m.candidateId()).get());
        }
        assertFalse(measuredTimes.containsKey(7L));
        assertTrue(overlaps.isEmpty(), "overlaps: " + overlaps);
    }

    @Test
    void aDeviceThatJoinsLaterIsUsedAndOneThatDiffersIsRefused() throws Exception {
        try (Scheduler s = new Scheduler(0, null)) {
            s.add(new FakeDevice("first", 30, 0, 1, Set.of()));
            List<CompletableFuture<DeviceMeasurement>> results = new ArrayList<>();
            for (long id = 1; id <= 20; id++) results.add(s.submit(new Candidate(id, "{}")));
            Thread.sleep(60);
            s.add(new FakeDevice("late", 30, 0, 2, Set.of()));
            String refused = s.add(new FakeDevice("other", 30, 0, 3, Set.of()) {
                @Override
                public DeviceDescription description() {
                    return new DeviceDescription("other", "sim", "Another CPU", 4, "amd64", "Linux", null, "1.22.0", List.of("cpu"), "dev");
                }
            });
            assertTrue(refused != null && refused.contains("CPU model Another CPU") && refused.contains("ONNX Runtime 1.22.0"), refused);
            Set<String> used = new java.util.HashSet<>();
            for (CompletableFuture<DeviceMeasurement> f : results) used.add(f.get(30, TimeUnit.SECONDS).device());
            assertEquals(Set.of("first", "late"), used);
            assertEquals("refused", s.devices().stream().filter(d -> d.name().equals("other")).findFirst().orElseThrow().state());
        }
    }

    /**
     * Each device keeps its own reference schedule: a reference before its first candidate, then after at most
     * {@code referenceEvery} of its candidates, or before the next one once {@code referenceMinutes} have passed on
     * its clock; and the closing references give each device's last candidates a reference after them too.
     */
    @Test
    void eachDeviceIsReferencedByCountByTimeAndAtTheClose() throws Exception {
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();
        List<FakeDevice> devices = List.of(new FakeDevice("a", 5, 0, 1, Set.of()), new FakeDevice("b", 5, 0, 2, Set.of()));
        List<DeviceMeasurement> referenced = new CopyOnWriteArrayList<>();
        try (Scheduler s = new Scheduler(3, 1.0, clock::get, new Scheduler.Listener() {
            @Override
            public void referenceMeasured(DeviceDescription device, Measurement reference) {
                referenced.add(new DeviceMeasurement(-1, device.name(), reference));
            }
        })) {
            devices.forEach(s::add);
            List<CompletableFuture<DeviceMeasurement>> first = new ArrayList<>();
            for (long id = 1; id <= 14; id++) first.add(s.submit(new Candidate(id, "{}")));
            CompletableFuture.allOf(first.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            // A device may still be measuring a reference that fell due by count as the queue ran dry; let it finish,
            // so what each device did before the clock moves is complete.
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (s.devices().stream().anyMatch(st -> st.state().equals("reference")) && System.nanoTime() < settle) Thread.sleep(5);
            int[] upToNow = new int[devices.size()];
            for (int i = 0; i < devices.size(); i++) {
                List<String> done = devices.get(i).done;
                upToNow[i] = done.size();
                assertEquals("R", done.get(0), devices.get(i).id + " measured the original before its first candidate: " + done);
                int since = 0;
                for (String e : done) {
                    since = e.equals("R") ? 0 : since + 1;
                    assertTrue(since <= 3, devices.get(i).id + " went more than 3 candidates without a reference: " + done);
                }
            }

            // Two minutes pass on the scheduler's clock: the next candidate a device takes waits for a reference, whatever the count.
            clock.addAndGet(121_000_000_000L);
            List<CompletableFuture<DeviceMeasurement>> later = new ArrayList<>();
            for (long id = 15; id <= 18; id++) later.add(s.submit(new Candidate(id, "{}")));
            CompletableFuture.allOf(later.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            for (int i = 0; i < devices.size(); i++) {
                List<String> after = devices.get(i).done.subList(upToNow[i], devices.get(i).done.size());
                if (!after.isEmpty()) assertEquals("R", after.get(0), devices.get(i).id + " after the interval: " + after);
            }

            assertTrue(s.closingReferences(10_000), "every device measured its closing reference");
            for (int k = 0; k < devices.size(); k++) {
                FakeDevice d = devices.get(k);
                List<String> done = d.done;
                assertEquals("R", done.get(done.size() - 1), d.id + " ends on a reference: " + done);
                // Two references in a row are right only across the two minutes the clock jumped: the first fell due by
                // count before the jump, the second by time after it.
                for (int i = 1; i < done.size(); i++)
                    if (i != upToNow[k])
                        assertFalse(done.get(i).equals("R") && done.get(i - 1).equals("R"), d.id + " measured two references in a row: " + done);
                long refs = done.stream().filter("R"::equals).count();
                assertEquals(refs, referenced.stream().filter(r -> r.device().equals(d.id)).count(), "every reference was handed on");
            }
            assertEquals(18, measuredTimes.size());
            assertTrue(overlaps.isEmpty(), "overlaps: " + overlaps);
        }
    }
}
