package dev.lathe.eval.profile;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.lathe.eval.timing.LatencyMeter;
import dev.lathe.eval.timing.LatencyStats;
import dev.lathe.eval.timing.TimingProtocol;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Times each node of a model with ONNX Runtime's session profiler, under the discipline {@code bench} uses: the
 * whole run is first timed without the profiler ({@link LatencyMeter}, whose median is the profile's total);
 * then a profiled session warms up until the protocol says its timings have settled and runs as many timed
 * runs as the latency measurement needed (between {@link #MIN_RUNS} and {@link #MAX_RUNS}, within the
 * protocol's time cap). Each kernel's figure is its median over those runs; {@link FusionMap} hands it to the
 * original nodes it computes.
 */
public final class NodeProfiler {
    /** Fewer profiled runs than this leave single-microsecond kernels unresolved. */
    public static final int MIN_RUNS = 20;
    /** The profiler records every kernel of every run: beyond this the trace grows without the medians moving. */
    public static final int MAX_RUNS = 200;

    private final OrtRunner.RunnerSettings settings;
    private final TimingProtocol protocol;

    public NodeProfiler(OrtRunner.RunnerSettings settings, TimingProtocol protocol) {
        this.settings = settings;
        this.protocol = protocol;
    }

    /** Profiles {@code model} on {@code input}; {@code latency} is its whole-run timing without the profiler. */
    public ModelProfile profile(byte[] model, Map<String, TensorData> input, LatencyStats latency) throws OrtException {
        ModelProto named;
        try {
            ModelProto p = ModelProto.parseFrom(model);
            named = p.toBuilder().setGraph(FusionMap.uniquelyNamed(p.getGraph())).build();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("lathe-profile-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for the profiler's trace", e);
        }
        try {
            Path optimizedFile = dir.resolve("optimized.onnx");
            int runs = Math.clamp(latency.runs(), MIN_RUNS, MAX_RUNS);
            Trace t = LatencyMeter.exclusively(() -> trace(named.toByteArray(), input, dir, optimizedFile, runs));
            GraphProto optimized;
            try {
                optimized = ModelProto.parseFrom(Files.readAllBytes(optimizedFile)).getGraph();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the optimized graph ONNX Runtime wrote", e);
            }
            return summarize(named.getGraph(), optimized, t.trace().dropFirst(t.warmupRuns()), latency, t.cpuMs());
        } finally {
            deleteAll(dir);
        }
    }

    /** The trace, how many of its first runs were warm-up, and the calling thread's CPU time in each timed run (null: no CPU clock). */
    private record Trace(OrtTrace trace, int warmupRuns, double[] cpuMs) {}

    private Trace trace(byte[] model, Map<String, TensorData> input, Path dir, Path optimizedFile, int runs) throws OrtException {
        OrtTrace trace;
        int w = 0, timed = 0;
        double[] cpu = null;
        try (OrtRunner runner = new OrtRunner(model, settings, o -> {
            o.enableProfiling(dir.resolve("trace").toString());
            o.setOptimizedModelFilePath(optimizedFile.toString());
        })) {
            Map<String, OnnxTensor> feeds = runner.toOrt(input);
            try {
                double[] warmup = new double[protocol.maxWarmupRuns()];
                long start = System.nanoTime();
                do {
                    long t0 = System.nanoTime();
                    runner.runPrepared(feeds);
                    warmup[w++] = (System.nanoTime() - t0) / 1e6;
                } while (!protocol.warmupDone(warmup, w, (System.nanoTime() - start) / 1e9));
                // The calling thread's CPU clock leaves out the time the machine gave to others, as each kernel's median does.
                java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
                boolean clock = threads.isCurrentThreadCpuTimeSupported();
                cpu = new double[runs];
                start = System.nanoTime();
                for (int r = 0; r < runs && (r < MIN_RUNS || (System.nanoTime() - start) / 1e9 < protocol.maxSeconds()); r++) {
                    long c0 = clock ? threads.getCurrentThreadCpuTime() : 0;
                    runner.runPrepared(feeds);
                    if (clock) cpu[r] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
                    timed = r + 1;
                }
                if (!clock) cpu = null;
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
            Path file = runner.endProfiling();
            try {
                trace = OrtTrace.read(file.isAbsolute() ? file : dir.resolve(file.getFileName()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read ONNX Runtime's profile " + file, e);
            }
        }
        return new Trace(trace, w, cpu == null ? null : Arrays.copyOf(cpu, timed));
    }

    /** Per-kernel medians over the runs, handed to the original nodes (exposed for tests on hand-made traces). */
    static ModelProfile summarize(GraphProto original, GraphProto optimized, OrtTrace trace, LatencyStats latency, double[] cpuMs) {
        record KernelFigure(String op, String provider, double ms) {}
        Map<String, double[]> perKernel = new LinkedHashMap<>();
        Map<String, OrtTrace.Kernel> firstSeen = new HashMap<>();
        int n = trace.runs().size();
        if (n == 0) throw new IllegalStateException("the profiler recorded no run");
        double[] runMs = new double[n], runKernelMs = new double[n], runKernelShare = new double[n];
        for (int r = 0; r < n; r++) {
            OrtTrace.Run run = trace.runs().get(r);
            runMs[r] = run.micros() / 1000;
            for (OrtTrace.Kernel k : run.kernels()) runKernelMs[r] += k.micros() / 1000;
            runKernelShare[r] = runMs[r] > 0 ? runKernelMs[r] / runMs[r] : 0;
            for (OrtTrace.Kernel k : run.kernels()) {
                perKernel.computeIfAbsent(k.node(), x -> new double[n])[r] += k.micros() / 1000;
                firstSeen.putIfAbsent(k.node(), k);
            }
        }
        Map<String, KernelFigure> kernels = new LinkedHashMap<>();
        perKernel.forEach((name, v) -> kernels.put(name, new KernelFigure(firstSeen.get(name).op(), firstSeen.get(name).provider(), median(v))));
        double kernelSum = kernels.values().stream().mapToDouble(KernelFigure::ms).sum();
        double total = latency.wallMedianMs();

        FusionMap map = FusionMap.of(original, optimized);
        record Share(double ms, String kernel, String kernelOp, String provider, List<String> fusedWith) {}
        Map<String, List<Share>> shares = new HashMap<>();
        List<ModelProfile.Node> unmapped = new ArrayList<>();
        for (FusionMap.Cluster c : map.clusters()) {
            List<String> ks = c.kernels().stream().filter(kernels::containsKey).toList();
            if (ks.isEmpty()) continue; // computed at load time (ONNX Runtime ran nothing for it)
            double ms = ks.stream().mapToDouble(k -> kernels.get(k).ms()).sum();
            String main = ks.stream().max(java.util.Comparator.comparingDouble(k -> kernels.get(k).ms())).orElseThrow();
            String ops = String.join("+", ks.stream().sorted(java.util.Comparator.comparingDouble(k -> -kernels.get(k).ms()))
                    .map(k -> kernels.get(k).op()).distinct().toList());
            if (c.originals().isEmpty()) {
                unmapped.add(new ModelProfile.Node(main, ops, ms, total > 0 ? ms / total : 0, main, ops, kernels.get(main).provider(), List.of(), false));
                continue;
            }
            for (String o : c.originals())
                shares.computeIfAbsent(o, x -> new ArrayList<>()).add(new Share(ms / c.originals().size(), main, ops, kernels.get(main).provider(),
                        c.originals().stream().filter(x -> !x.equals(o)).toList()));
        }
        // Kernels the optimized graph does not name (should not happen; kept so the sum stays whole).
        for (Map.Entry<String, KernelFigure> k : kernels.entrySet())
            if (map.ofKernel(k.getKey()) == null)
                unmapped.add(new ModelProfile.Node(k.getKey(), k.getValue().op(), k.getValue().ms(), total > 0 ? k.getValue().ms() / total : 0,
                        k.getKey(), k.getValue().op(), k.getValue().provider(), List.of(), false));
        List<ModelProfile.Node> nodes = new ArrayList<>();
        for (NodeProto o : original.getNodeList()) {
            List<Share> s = shares.get(o.getName());
            if (s == null) {
                nodes.add(new ModelProfile.Node(o.getName(), o.getOpType(), 0, 0, null, null, null, List.of(), true));
                continue;
            }
            double ms = s.stream().mapToDouble(Share::ms).sum();
            Share main = s.stream().max(java.util.Comparator.comparingDouble(Share::ms)).orElseThrow();
            nodes.add(new ModelProfile.Node(o.getName(), o.getOpType(), ms, total > 0 ? ms / total : 0, main.kernel(), main.kernelOp(), main.provider(),
                    main.fusedWith(), false));
        }
        nodes.addAll(unmapped);
        return new ModelProfile(total, median(runMs), kernelSum, total - kernelSum, n, latency.threads(), latency.shape(), nodes, median(runKernelMs),
                median(runKernelShare), cpuMs == null || cpuMs.length == 0 ? null : median(cpuMs));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return LatencyStats.percentile(s, s.length, 50);
    }

    private static void deleteAll(Path dir) {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temporary folder: the system cleans what is left
        }
    }
}
