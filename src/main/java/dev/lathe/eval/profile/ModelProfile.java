package dev.lathe.eval.profile;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Where one model's run time goes, node by node: the whole run's median ({@code total_ms}, timed without the
 * profiler exactly as {@code bench} times it), the median of each kernel over the profiled runs, and each
 * original node's share of it. A kernel ONNX Runtime fused from several nodes is shared equally among them
 * ({@code fused_with} names the others). {@code gap_ms} is what the kernels do not account for: the session's
 * own work per run (input binding, allocation, the executor) and the profiler's overhead.
 *
 * <p>On a loaded machine the whole run's median grows with preemptions each kernel's median leaves out, so the
 * like-for-like check is within the profiled runs themselves: {@code run_kernel_share} is the median, over those
 * runs, of the kernels' sum in a run over that run's own duration ({@code run_kernel_sum_ms} and
 * {@code profiled_run_ms} are the two medians), and {@code run_cpu_ms} the calling thread's CPU time per run
 * (the time the run had the processor; the whole run with one intra-op thread). Null in profiles stored before.
 */
public record ModelProfile(@JsonProperty("total_ms") double totalMs,
                           @JsonProperty("profiled_run_ms") double profiledRunMs,
                           @JsonProperty("kernel_sum_ms") double kernelSumMs,
                           @JsonProperty("gap_ms") double gapMs,
                           int runs,
                           int threads,
                           String shape,
                           List<Node> nodes,
                           @JsonProperty("run_kernel_sum_ms") Double runKernelSumMs,
                           @JsonProperty("run_kernel_share") Double runKernelShare,
                           @JsonProperty("run_cpu_ms") Double runCpuMs) {
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * One original node: its ms and share of {@code total_ms}, the kernel (optimized node and operator) and provider
     * that ran it, the other nodes fused into that kernel, and whether ONNX Runtime folded it away ({@code ms} 0).
     */
    public record Node(String name, String op, double ms, double share, String kernel, @JsonProperty("kernel_op") String kernelOp,
                       String provider, @JsonProperty("fused_with") List<String> fusedWith, boolean folded) {
        public Node {
            fusedWith = fusedWith == null ? List.of() : List.copyOf(fusedWith);
        }
    }

    public ModelProfile {
        nodes = List.copyOf(nodes);
    }

    /** A profile without the like-for-like figures of the profiled runs (stored before they were measured). */
    public ModelProfile(double totalMs, double profiledRunMs, double kernelSumMs, double gapMs, int runs, int threads, String shape, List<Node> nodes) {
        this(totalMs, profiledRunMs, kernelSumMs, gapMs, runs, threads, shape, nodes, null, null, null);
    }

    /** The gap as a share of the total (positive: the kernels account for less than the run). */
    public double gapShare() {
        return totalMs > 0 ? gapMs / totalMs : 0;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ModelProfile fromJson(String json) {
        try {
            return JSON.readValue(json, ModelProfile.class);
        } catch (IOException e) {
            throw new UncheckedIOException("not a stored profile: " + e.getMessage(), e);
        }
    }
}
