package dev.lathe.ui.compare;

import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.ui.study.CandidateDetail;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The comparison's plain logic: which figure is better, how the change reads, every group and layer of both, short names. */
class CandidateComparisonTest {
    @Test
    void figuresSayWhichIsBetterAndByHowMuch() {
        CandidateDetail a = detail(1, 20.0, 1.0, 90_000_000L, List.of(keep("g1", 1.0, 128, 128)), List.of(), true);
        CandidateDetail b = detail(4, 8.0, 0.95, 50_000_000L, List.of(keep("g1", 0.5, 64, 128), keep("blockA", 0.0, 0, 1)), List.of("q2"), false);
        CandidateComparison c = CandidateComparison.of(a, b, List.of("q1", "q2"));

        CandidateComparison.Figure latency = c.figures().getFirst();
        assertEquals("latency_ms", latency.key());
        assertEquals(1, latency.better(), "the second is faster");
        assertEquals("2.50× faster", CompareView.change(latency));
        CandidateComparison.Figure quality = c.figures().stream().filter(f -> f.key().equals("quality")).findFirst().orElseThrow();
        assertEquals(-1, quality.better());
        assertEquals("-0.0500 (-5.00 %)", CompareView.change(quality));
        CandidateComparison.Figure size = c.figures().stream().filter(f -> f.key().equals("size_bytes")).findFirst().orElseThrow();
        assertEquals("-44.4 %", CompareView.change(size));
        assertEquals(1.0, c.figures().stream().filter(f -> f.key().equals("speedup")).findFirst().orElseThrow().a(), "the original's speed-up is 1");

        // A block only the second drops appears for both, whole in the first.
        assertEquals(List.of("g1", "blockA"), c.groups().stream().map(CandidateComparison.GroupRow::id).toList());
        CandidateComparison.GroupRow block = c.groups().get(1);
        assertEquals(1, block.a().kept());
        assertEquals(0, block.b().kept());
        assertEquals(List.of(new CandidateComparison.LayerRow("q1", "float32", "float32"), new CandidateComparison.LayerRow("q2", "float32", "int8")), c.layers());
    }

    @Test
    void layerPathsAreShortenedButStayDistinct() {
        assertEquals("layer.0/intermediate/dense", CompareView.compactName("/encoder/layer.0/intermediate/dense/MatMul"));
        assertEquals("layer.3/attention/self/query", CompareView.compactName("/encoder/layer.3/attention/self/query/MatMul"));
        assertEquals("layer.1/attention/self", CompareView.compactName("/encoder/layer.1/attention/self"));
        assertEquals("stage.2/…/conv/weighted_sum", CompareView.compactName("/backbone/stage.2/block.11/branch/residual/conv/weighted_sum/Conv"));
        assertEquals("net/net.0", CompareView.compactName("/net/net.0/Gemm"));
        assertEquals("fc1", CompareView.compactName("fc1"));
    }

    private static CandidateDetail.GroupKeep keep(String id, double ratio, int kept, int of) {
        return new CandidateDetail.GroupKeep(id, id, of == 1 ? "block" : "ffn_units", ratio, kept, of);
    }

    private static CandidateDetail detail(long id, double latency, double quality, long size, List<CandidateDetail.GroupKeep> groups,
                                          List<String> int8, boolean original) {
        java.util.Map<String, String> precisions = new java.util.LinkedHashMap<>();
        for (String l : int8) precisions.put(l, "int8");
        CandidateRecord r = new CandidateRecord(id, "{}", "nsga2", 0, CandidateStatus.DONE, latency, latency * 1.1, quality, "cosine",
                quality, null, size, size / 4, null, null, null, 1.0, "t0", "t1");
        return new CandidateDetail(r, true, original, original ? 1.0 : 20.0 / latency, null, groups, precisions, true);
    }
}
