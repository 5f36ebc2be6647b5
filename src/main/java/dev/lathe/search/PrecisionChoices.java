package dev.lathe.search;

import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.transform.Precision;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which precisions the search may give each kind of layer, besides float32 (always offered): by operator type,
 * in the order their genes list them. Recorded in the study's settings as {"MatMul":["int8"],...}.
 */
public record PrecisionChoices(Map<String, List<Precision>> byOperator) {
    /** New studies: int8 dynamic for MatMul and Gemm, which ONNX Runtime runs faster on CPU; int8 static for Conv. */
    public static final PrecisionChoices DEFAULT = new PrecisionChoices(Map.of(
            "MatMul", List.of(Precision.INT8), "Gemm", List.of(Precision.INT8), "Conv", List.of(Precision.INT8_STATIC)));

    /** Studies written before precisions were a setting searched int8 dynamic MatMul/Gemm only. */
    public static final PrecisionChoices LEGACY = new PrecisionChoices(Map.of("MatMul", List.of(Precision.INT8), "Gemm", List.of(Precision.INT8)));

    public PrecisionChoices {
        TreeMap<String, List<Precision>> copy = new TreeMap<>();
        byOperator.forEach((op, list) -> {
            for (Precision p : list)
                if (!p.supports(op)) throw new IllegalArgumentException(op + " layers cannot run at " + p);
            if (!list.isEmpty()) copy.put(op, List.copyOf(new java.util.LinkedHashSet<>(list)));
        });
        byOperator = java.util.Collections.unmodifiableMap(copy);
    }

    /** Every listed precision for every operator that supports it, e.g. "int8,int4_b32,fp16". */
    public static PrecisionChoices of(List<Precision> precisions) {
        Map<String, List<Precision>> out = new LinkedHashMap<>();
        for (String op : List.of("MatMul", "Gemm", "Conv"))
            for (Precision p : precisions) if (p.supports(op)) out.computeIfAbsent(op, k -> new ArrayList<>()).add(p);
        return new PrecisionChoices(out);
    }

    /** The precisions offered to one layer (empty: it stays float32). */
    public List<Precision> forLayer(QuantizableLayer layer) {
        return byOperator.getOrDefault(layer.opType(), List.of());
    }

    public boolean offers(Precision p) {
        return byOperator.values().stream().anyMatch(l -> l.contains(p));
    }

    public PrecisionChoices without(Precision p) {
        Map<String, List<Precision>> out = new LinkedHashMap<>();
        byOperator.forEach((op, list) -> out.put(op, list.stream().filter(q -> q != p).toList()));
        return new PrecisionChoices(out);
    }

    /** The settings form: operator to precision ids. */
    public Map<String, List<String>> toIds() {
        Map<String, List<String>> out = new TreeMap<>();
        byOperator.forEach((op, list) -> out.put(op, list.stream().map(Precision::id).toList()));
        return out;
    }

    public static PrecisionChoices fromIds(Map<String, List<String>> ids) {
        Map<String, List<Precision>> out = new LinkedHashMap<>();
        ids.forEach((op, list) -> out.put(op, list.stream().map(Precision::parse).toList()));
        return new PrecisionChoices(out);
    }
}
