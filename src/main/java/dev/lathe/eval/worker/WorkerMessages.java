package dev.lathe.eval.worker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.SessionInfo;
import dev.lathe.eval.profile.ModelProfile;

/**
 * The line protocol between Lathe and its measurement worker: one JSON object per line, one request and one
 * answer at a time. Requests: {@code setup} (once), {@code measure} (a candidate file), {@code reference}
 * (the original again), {@code confirm} (a candidate file timed interleaved with the original), {@code profile} (per-node times of a file, or of the original), {@code shutdown}, and {@code crash} (tests only). Answers: {@code ready},
 * {@code measured}, {@code profiled} or {@code error}.
 */
final class WorkerMessages {
    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private WorkerMessages() {}

    record Request(String type, MeasurementSetup setup, String modelPath, String crash) {
        static Request setup(MeasurementSetup s) { return new Request("setup", s, null, null); }

        static Request measure(String path) { return new Request("measure", null, path, null); }

        /** Per-node times of the model in {@code path}, or of the original when null. */
        static Request profile(String path) { return new Request("profile", null, path, null); }

        /** The candidate in {@code path} timed interleaved with the original. */
        static Request confirm(String path) { return new Request("confirm", null, path, null); }

        static Request reference() { return new Request("reference", null, null, null); }

        static Request shutdown() { return new Request("shutdown", null, null, null); }

        static Request crash(String how) { return new Request("crash", null, null, how); }
    }

    record Response(String type, SessionInfo ready, Measurement measurement, String error, ModelProfile profile,
                    dev.lathe.eval.timing.InterleavedComparison.Result comparison) {
        static Response ready(SessionInfo i) { return new Response("ready", i, null, null, null, null); }

        static Response measured(Measurement m) { return new Response("measured", null, m, null, null, null); }

        static Response profiled(ModelProfile p) { return new Response("profiled", null, null, null, p, null); }

        static Response confirmed(dev.lathe.eval.timing.InterleavedComparison.Result c) { return new Response("confirmed", null, null, null, null, c); }

        static Response error(String message) { return new Response("error", null, null, message, null, null); }
    }
}
