package dev.lathe.eval.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * ONNX Runtime's session profile, read: a Chrome trace (a JSON array of events, times in microseconds) with one
 * {@code model_run} event per run and one {@code <node>_kernel_time} event per node executed. Kernel events are
 * given to the run whose interval holds them, so warm-up runs can be dropped by position.
 */
public record OrtTrace(List<Run> runs) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KERNEL_SUFFIX = "_kernel_time";

    /** One executed kernel: the node's name in the optimized graph, its operator, the provider that ran it. */
    public record Kernel(String node, String op, String provider, double micros) {}

    public record Run(double micros, List<Kernel> kernels) {}

    public static OrtTrace read(Path file) throws IOException {
        return parse(JSON.readTree(file.toFile()));
    }

    static OrtTrace parse(JsonNode events) {
        record Span(long start, long end, List<Kernel> kernels) {}
        record Timed(long ts, Kernel kernel) {}
        List<Span> spans = new ArrayList<>();
        List<Timed> kernels = new ArrayList<>();
        for (JsonNode e : events) {
            String name = e.path("name").asText(), cat = e.path("cat").asText();
            long ts = e.path("ts").asLong(), dur = e.path("dur").asLong();
            if (cat.equals("Session") && name.equals("model_run")) spans.add(new Span(ts, ts + dur, new ArrayList<>()));
            else if (cat.equals("Node") && name.endsWith(KERNEL_SUFFIX)) {
                JsonNode args = e.path("args");
                kernels.add(new Timed(ts, new Kernel(name.substring(0, name.length() - KERNEL_SUFFIX.length()), args.path("op_name").asText(),
                        args.path("provider").asText(), dur)));
            }
        }
        spans.sort(Comparator.comparingLong(Span::start));
        for (Timed k : kernels)
            for (Span s : spans)
                if (k.ts() >= s.start() && k.ts() <= s.end()) {
                    s.kernels().add(k.kernel());
                    break;
                }
        return new OrtTrace(spans.stream().map(s -> new Run(s.end() - s.start(), List.copyOf(s.kernels()))).toList());
    }

    /** The same trace without its first {@code n} runs (the warm-up). */
    public OrtTrace dropFirst(int n) {
        return new OrtTrace(runs.subList(Math.min(n, runs.size()), runs.size()));
    }
}
