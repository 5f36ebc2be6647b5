package dev.lathe.config;

import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.transform.genome.Precision;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which precisions the search may give each layer, besides float32 (always offered): by operator type, in the
 * order their genes list them, and, for layers pinned by hand, by layer (an empty list pins a layer to float32).
 * Recorded in the study's settings as {"MatMul":["int8"],...,"layer:ID":[...]}: one map, so settings written
 * before layers could be pinned read unchanged.
 */
public record PrecisionChoices(Map<String, List<Precision>> byOperator, Map<String, List<Precision>> byLayer) {
    /** New studies: int8 dynamic for MatMul and Gemm, which ONNX Runtime runs faster on CPU; int8 static for Conv. */
    public static final PrecisionChoices DEFAULT = new PrecisionChoices(Map.of(
            "MatMul", List.of(Precision.INT8), "Gemm", List.of(Precision.INT8), "Conv", List.of(Precision.INT8_STATIC)));

    /** Studies written before precisions were a setting searched int8 dynamic MatMul/Gemm only. */
    public static final PrecisionChoices LEGACY = new PrecisionChoices(Map.of("MatMul", List.of(Precision.INT8), "Gemm", List.of(Precision.INT8)));

    /** The key prefix of a pinned layer in the settings' map (operator types never contain a colon). */
    static final String LAYER_KEY = "layer:";

    public PrecisionChoices {
        TreeMap<String, List<Precision>> ops = new TreeMap<>();
        byOperator.forEach((op, list) -> {
            for (Precision p : list)
                if (!p.supports(op)) throw new IllegalArgumentException(op + " layers cannot run at " + p);
            if (!list.isEmpty()) ops.put(op, List.copyOf(new LinkedHashSet<>(list)));
        });
        byOperator = java.util.Collections.unmodifiableMap(ops);
        TreeMap<String, List<Precision>> layers = new TreeMap<>();
        byLayer.forEach((layer, list) -> layers.put(layer, List.copyOf(new LinkedHashSet<>(list))));
        byLayer = java.util.Collections.unmodifiableMap(layers);
    }

    public PrecisionChoices(Map<String, List<Precision>> byOperator) {
        this(byOperator, Map.of());
    }

    /** Every listed precision for every operator that supports it, e.g. "int8,int4_b32,fp16". */
    public static PrecisionChoices of(List<Precision> precisions) {
        Map<String, List<Precision>> out = new LinkedHashMap<>();
        for (String op : List.of("MatMul", "Gemm", "Conv"))
            for (Precision p : precisions) if (p.supports(op)) out.computeIfAbsent(op, k -> new ArrayList<>()).add(p);
        return new PrecisionChoices(out);
    }

    /** These choices with one layer pinned to {@code allowed} (empty: float32 only); null removes the pin. */
    public PrecisionChoices pin(String layer, List<Precision> allowed) {
        Map<String, List<Precision>> layers = new LinkedHashMap<>(byLayer);
        if (allowed == null) layers.remove(layer);
        else layers.put(layer, allowed);
        return new PrecisionChoices(byOperator, layers);
    }

    /** The precisions offered to one layer (empty: it stays float32): its pin if it has one, else its operator's. */
    public List<Precision> forLayer(QuantizableLayer layer) {
        List<Precision> pinned = byLayer.get(layer.id());
        return pinned != null ? pinned : byOperator.getOrDefault(layer.opType(), List.of());
    }

    /**
     * Checks the pins against the model's layers: each names a layer it has, at precisions its operator runs.
     * Pins are typed by hand (command line), so the message names the layer and what would do.
     */
    public void requireLayers(List<QuantizableLayer> layers) {
        byLayer.forEach((id, list) -> {
            QuantizableLayer l = layers.stream().filter(q -> q.id().equals(id)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                    "precisions are pinned for layer '" + id + "', which this model does not have (its quantizable layers: "
                            + String.join(", ", layers.stream().map(QuantizableLayer::id).limit(8).toList()) + (layers.size() > 8 ? ", ..." : "") + ")"));
            for (Precision p : list)
                if (!p.supports(l.opType())) throw new IllegalArgumentException("layer '" + id + "' is a " + l.opType() + ", which cannot run at " + p);
        });
    }

    public boolean offers(Precision p) {
        return byOperator.values().stream().anyMatch(l -> l.contains(p)) || byLayer.values().stream().anyMatch(l -> l.contains(p));
    }

    public PrecisionChoices without(Precision p) {
        Map<String, List<Precision>> ops = new LinkedHashMap<>();
        byOperator.forEach((op, list) -> ops.put(op, list.stream().filter(q -> q != p).toList()));
        Map<String, List<Precision>> layers = new LinkedHashMap<>();
        byLayer.forEach((id, list) -> layers.put(id, list.stream().filter(q -> q != p).toList()));
        return new PrecisionChoices(ops, layers);
    }

    /** The settings form: operator (or "layer:" and the layer's id) to precision ids. */
    public Map<String, List<String>> toIds() {
        Map<String, List<String>> out = new TreeMap<>();
        byOperator.forEach((op, list) -> out.put(op, list.stream().map(Precision::id).toList()));
        byLayer.forEach((id, list) -> out.put(LAYER_KEY + id, list.stream().map(Precision::id).toList()));
        return out;
    }

    public static PrecisionChoices fromIds(Map<String, List<String>> ids) {
        Map<String, List<Precision>> ops = new LinkedHashMap<>();
        Map<String, List<Precision>> layers = new LinkedHashMap<>();
        ids.forEach((key, list) -> {
            List<Precision> ps = list.stream().filter(s -> !isFloat32(s)).map(Precision::parse).toList();
            if (key.startsWith(LAYER_KEY)) layers.put(key.substring(LAYER_KEY.length()), ps);
            else ops.put(key, ps);
        });
        return new PrecisionChoices(ops, layers);
    }

    /** "fp32" or "float32" in a list of precisions: the float32 that is always allowed. */
    public static boolean isFloat32(String id) {
        String t = id.trim().toLowerCase(java.util.Locale.ROOT);
        return t.equals("fp32") || t.equals("float32");
    }
}
