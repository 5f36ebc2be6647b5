package dev.lathe.pool.schedule;

import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.Measurement;
import dev.lathe.pool.DeviceDescription;

/**
 * One device of a pool, as the {@link Scheduler} drives it: one call at a time, each blocking until the device
 * answers. A device that dies, disconnects or stops answering throws {@link DeviceLostException} (the candidate
 * goes elsewhere); a candidate the device measured and found broken throws {@link CandidateFailedException}.
 * Hazelcast agents are one implementation, in-process fakes another.
 */
public interface Device {
    /** Unique among the pool's devices, including those that left (a restarted agent is a new device). */
    String id();

    DeviceDescription description();

    /** Rebuilds the candidate from its genome and measures it. */
    Measurement measure(Candidate candidate) throws DeviceLostException, DeviceRefusedException, CandidateFailedException;

    /** Measures the original again: this device's drift reference. */
    Measurement reference() throws DeviceLostException, DeviceRefusedException, CandidateFailedException;

    /**
     * Rebuilds the candidate and times it A B B A against the original in one process: a front candidate's
     * confirmed speed-up. Devices that cannot say so.
     */
    default dev.lathe.eval.timing.InterleavedComparison.Result confirm(Candidate candidate)
            throws DeviceLostException, DeviceRefusedException, CandidateFailedException {
        throw new UnsupportedOperationException(description().name() + " cannot time candidates interleaved with the original");
    }
}
