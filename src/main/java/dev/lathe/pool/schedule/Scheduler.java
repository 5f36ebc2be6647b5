package dev.lathe.pool.schedule;

import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.Measurement;
import dev.lathe.pool.DeviceDescription;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Hands candidates to the devices of a pool, like TVM's tracker hands sessions: each device has one thread of
 * its own that takes the next pending candidate, so a device never holds two; devices that join are used at
 * once. A device lost mid-candidate is quarantined (never used again; a restarted agent is a new device) and
 * the candidate goes back to the front of the queue; it fails only after {@value #DEATHS_TO_FAIL} devices have
 * died on it, since a candidate that kills every device it touches must not empty the pool. Each device measures
 * the original before its first candidate, then every {@code referenceEvery} candidates or {@code referenceMinutes},
 * whichever comes first, and once more after its last candidate ({@link #closingReferences}), so each device's
 * drift correction has a reference on both sides of every candidate it measured. The first device fixes what the pool is: a device that differs from it (CPU model,
 * cores, architecture, GPU, ONNX Runtime or Lathe version) is refused with the reason.
 */
public final class Scheduler implements AutoCloseable {
    public static final int DEATHS_TO_FAIL = 2;

    /** Events, called on the device threads. */
    public interface Listener {
        default void message(String text) {}

        default void deviceJoined(DeviceDescription device) {}

        /** {@code candidate} is the one it held, or null. */
        default void deviceLost(DeviceDescription device, String reason, Long candidate) {}

        default void referenceMeasured(DeviceDescription device, Measurement reference) {}
    }

    private static final class Pending {
        final Candidate candidate;
        final CompletableFuture<DeviceMeasurement> result = new CompletableFuture<>();
        final Map<String, String> deaths = new LinkedHashMap<>();

        Pending(Candidate candidate) {
            this.candidate = candidate;
        }
    }

    private static final class Slot {
        final Device device;
        String state = "idle";
        Long current;
        int measured;
        int sinceReference;
        long lastReferenceAt;
        Double lastReferenceMs;
        String reason;
        boolean active = true;

        Slot(Device device) {
            this.device = device;
        }
    }

    private final Listener listener;
    private final int referenceEvery;
    private final double referenceMinutes;
    private final java.util.function.LongSupplier nanoClock;
    /** Set by {@link #closingReferences}: each device measures its closing reference once its queue is empty. */
    private boolean closing;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Deque<Pending> pending = new ArrayDeque<>();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final Set<Thread> threads = new LinkedHashSet<>();
    private DeviceDescription poolShape;
    private boolean closed;

    /** {@code referenceEvery}: candidates per device between references, 0 for none; no interval in time. */
    public Scheduler(int referenceEvery, Listener listener) {
        this(referenceEvery, Double.POSITIVE_INFINITY, System::nanoTime, listener);
    }

    /**
     * {@code referenceEvery}: candidates per device between references (0 for no references at all);
     * {@code referenceMinutes}: the most time between a device's references, measured on {@code nanoClock}
     * (tests pass a clock of their own).
     */
    public Scheduler(int referenceEvery, double referenceMinutes, java.util.function.LongSupplier nanoClock, Listener listener) {
        if (referenceEvery < 0) throw new IllegalArgumentException("referenceEvery must be 0 or more, got " + referenceEvery);
        if (!(referenceMinutes > 0)) throw new IllegalArgumentException("referenceMinutes must be positive, got " + referenceMinutes);
        this.referenceEvery = referenceEvery;
        this.referenceMinutes = referenceMinutes;
        this.nanoClock = nanoClock;
        this.listener = listener == null ? new Listener() {} : listener;
    }

    /**
     * A device joins: used from now on, unless it differs from the pool's first device (then refused, and the
     * reason is returned) or is known already.
     */
    public String add(Device device) {
        DeviceDescription d = device.description();
        lock.lock();
        try {
            if (closed) return "the scheduler is closed";
            if (slots.containsKey(device.id())) return null;
            Slot slot = new Slot(device);
            slots.put(device.id(), slot);
            String difference = poolShape == null ? null : d.differenceFrom(poolShape);
            if (difference != null) {
                slot.state = "refused";
                slot.active = false;
                slot.reason = "differs from the pool's first device " + poolShape.name() + ": " + difference;
                listener.message("Device " + d.name() + " is not used: " + slot.reason);
                return slot.reason;
            }
            if (poolShape == null) poolShape = d;
            Thread t = Thread.ofVirtual().name("lathe-device-" + d.name()).unstarted(() -> serve(slot));
            threads.add(t);
            t.start();
        } finally {
            lock.unlock();
        }
        listener.deviceJoined(d);
        return null;
    }

    /** A device left the pool (membership said so): it takes nothing more; a call it holds fails on its own. */
    public void remove(String deviceId, String reason) {
        lock.lock();
        try {
            Slot s = slots.get(deviceId);
            if (s == null || !s.active) return;
            s.active = false;
            s.state = "quarantined";
            s.reason = reason;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Queues a candidate; the future completes with its figures, or fails with a {@link CandidateFailedException}. */
    public CompletableFuture<DeviceMeasurement> submit(Candidate candidate) {
        Pending p = new Pending(candidate);
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("the scheduler is closed");
            pending.addLast(p);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return p.result;
    }

    /** Devices that can take candidates now. */
    public int activeDevices() {
        lock.lock();
        try {
            return (int) slots.values().stream().filter(s -> s.active).count();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until a device can take candidates; false if none did within {@code millis}. */
    public boolean awaitDevice(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            return awaitLocked(deadline, () -> slots.values().stream().anyMatch(s -> s.active));
        } finally {
            lock.unlock();
        }
    }

    /** Every device seen, in the order they joined. */
    public List<DeviceState> devices() {
        lock.lock();
        try {
            List<DeviceState> out = new ArrayList<>();
            for (Slot s : slots.values())
                out.add(new DeviceState(s.device.id(), s.device.description().name(), s.state, s.current, s.measured, s.lastReferenceMs, s.reason));
            return out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The device a search's front is confirmed on: the first to join that is still in the pool (so one device times
     * every candidate of the front against the same original), or null when none is left.
     */
    public DeviceState confirmingDevice() {
        return devices().stream().filter(s -> "idle".equals(s.state()) && isActive(s.id())).findFirst()
                .or(() -> devices().stream().filter(s -> isActive(s.id())).findFirst()).orElse(null);
    }

    private boolean isActive(String id) {
        lock.lock();
        try {
            Slot s = slots.get(id);
            return s != null && s.active;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Times {@code candidate} A B B A against the original on device {@code deviceId} ({@link Device#confirm}), on
     * the caller's thread. For after the last candidate and the closing references: the device's own loop is idle
     * then, and its state reads "confirming" meanwhile. A device lost or refusing is quarantined as in a search.
     */
    public dev.lathe.eval.timing.InterleavedComparison.Result confirm(String deviceId, Candidate candidate)
            throws DeviceLostException, DeviceRefusedException, CandidateFailedException {
        Slot slot;
        lock.lock();
        try {
            slot = slots.get(deviceId);
            if (slot == null || !slot.active || closed)
                throw new DeviceLostException("device " + (slot == null ? deviceId : slot.device.description().name()) + " is no longer in the pool", null);
            if (slot.current != null || !pending.isEmpty()) throw new IllegalStateException("confirming while candidates are still being measured");
            slot.state = "confirming";
            slot.current = candidate.id();
        } finally {
            lock.unlock();
        }
        DeviceDescription d = slot.device.description();
        try {
            return slot.device.confirm(candidate);
        } catch (DeviceLostException | DeviceRefusedException e) {
            lose(slot, d, e, candidate.id());
            throw e;
        } finally {
            lock.lock();
            try {
                slot.current = null;
                if (slot.active) slot.state = "idle";
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Candidates waiting for a device. */
    public int pendingCount() {
        lock.lock();
        try {
            return pending.size();
        } finally {
            lock.unlock();
        }
    }

    /** One device's loop: reference when due, then the next candidate, until the device is lost or the scheduler closes. */
    private void serve(Slot slot) {
        DeviceDescription d = slot.device.description();
        while (true) {
            Pending p;
            boolean referenceDue;
            lock.lock();
            try {
                while (slot.active && !closed && pending.isEmpty() && !closingDue(slot)) changed.awaitUninterruptibly();
                if (!slot.active || closed) return;
                referenceDue = pending.isEmpty() || referenceDue(slot);
                p = referenceDue ? null : pending.pollFirst();
                slot.state = referenceDue ? "reference" : "measuring";
                slot.current = p == null ? null : p.candidate.id();
            } finally {
                lock.unlock();
            }
            if (referenceDue) reference(slot, d);
            else run(slot, d, p);
        }
    }

    /** Under the lock: before the next candidate, by count or by time since this device's last reference. */
    private boolean referenceDue(Slot slot) {
        if (referenceEvery == 0) return false;
        if (slot.lastReferenceMs == null || slot.sinceReference >= referenceEvery) return true;
        return (nanoClock.getAsLong() - slot.lastReferenceAt) / 60e9 >= referenceMinutes;
    }

    /** Under the lock: the queue is done and this device measured candidates since its last reference. */
    private boolean closingDue(Slot slot) {
        return closing && referenceEvery > 0 && slot.sinceReference > 0;
    }

    /**
     * The search has no more candidates: each device that measured any since its last reference measures the
     * original once more, so its last candidates lie between two of its references. Waits until every device
     * still in the pool has (a device lost meanwhile is left out) or {@code millis} pass; false on the timeout.
     */
    public boolean closingReferences(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
            return awaitLocked(deadline, () -> slots.values().stream().noneMatch(s -> s.active && (s.sinceReference > 0 || s.current != null) && referenceEvery > 0));
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: waits until {@code done} holds; false once {@code deadline} (System.nanoTime) passes or the scheduler closes. */
    private boolean awaitLocked(long deadline, java.util.function.BooleanSupplier done) throws InterruptedException {
        while (!done.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || closed) return false;
            changed.awaitNanos(left);
        }
        return true;
    }

    private void reference(Slot slot, DeviceDescription d) {
        try {
            Measurement m = slot.device.reference();
            // Told before the slot shows it: whoever waits in closingReferences then finds the reference already handed on.
            listener.referenceMeasured(d, m);
            lock.lock();
            try {
                slot.lastReferenceMs = m.latency().medianMs();
                slot.lastReferenceAt = nanoClock.getAsLong();
                slot.sinceReference = 0;
                changed.signalAll();
                if (slot.active) slot.state = "idle";
            } finally {
                lock.unlock();
            }
        } catch (DeviceLostException | DeviceRefusedException e) {
            lose(slot, d, e, null);
        } catch (CandidateFailedException e) {
            // The original itself failed here: no figure from this device could be corrected for drift.
            lose(slot, d, e, null);
        }
    }

    private void run(Slot slot, DeviceDescription d, Pending p) {
        try {
            Measurement m = slot.device.measure(p.candidate);
            lock.lock();
            try {
                slot.measured++;
                slot.sinceReference++;
                slot.current = null;
                if (slot.active) slot.state = "idle";
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            p.result.complete(new DeviceMeasurement(p.candidate.id(), d.name(), m));
        } catch (CandidateFailedException e) {
            lock.lock();
            try {
                slot.current = null;
                slot.sinceReference++;
                if (slot.active) slot.state = "idle";
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            p.result.completeExceptionally(e);
        } catch (DeviceRefusedException e) {
            lose(slot, d, e, null);
            requeue(p);
        } catch (DeviceLostException e) {
            lose(slot, d, e, p.candidate.id());
            p.deaths.put(d.name(), e.getMessage());
            if (p.deaths.size() >= DEATHS_TO_FAIL) {
                StringBuilder why = new StringBuilder(p.deaths.size() + " devices died measuring it:");
                p.deaths.forEach((name, reason) -> why.append(' ').append(name).append(" (").append(reason).append(')'));
                p.result.completeExceptionally(new CandidateFailedException(CandidateFailedException.Kind.CRASHED, why.toString(), e));
            } else {
                listener.message("candidate " + p.candidate.id() + " goes back to the queue: device " + d.name() + " was lost (" + e.getMessage() + ")");
                requeue(p);
            }
        } catch (RuntimeException e) {
            lose(slot, d, e, p.candidate.id());
            requeue(p);
        }
    }

    private void requeue(Pending p) {
        lock.lock();
        try {
            if (closed) {
                p.result.completeExceptionally(new CandidateFailedException(CandidateFailedException.Kind.ERROR, "the pool was closed", null));
                return;
            }
            pending.addFirst(p);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void lose(Slot slot, DeviceDescription d, Exception e, Long candidate) {
        boolean refused = e instanceof DeviceRefusedException;
        String reason = (refused ? "refused: " : "") + e.getMessage();
        lock.lock();
        try {
            slot.active = false;
            slot.state = refused ? "refused" : "quarantined";
            slot.current = null;
            slot.reason = reason;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        listener.message("Device " + d.name() + (refused ? " refused to measure: " : " was lost and is quarantined: ") + e.getMessage());
        listener.deviceLost(d, reason, candidate);
    }

    /** Stops taking candidates; those still pending fail, calls in flight finish on their own. */
    @Override
    public void close() {
        List<Pending> left;
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            left = new ArrayList<>(pending);
            pending.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Pending p : left)
            p.result.completeExceptionally(new CandidateFailedException(CandidateFailedException.Kind.ERROR, "the pool was closed", null));
    }
}
