package dev.lathe.transform.genome;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Canonical JSON for genomes: {"keep":{group:ratio,...},"int8":[layer,...],"precision":{layer:id,...},"drop":[block,...]},
 * keys sorted, ratios of 1 left out. int8 dynamic layers stay in the "int8" list they always had, and
 * "precision" (other precisions) and "drop" are written only when used, so a genome that could be written
 * before precisions existed keeps exactly its old text, and studies recognise the candidates they measured.
 */
public final class GenomeJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GenomeJson() {}

    public static String write(Genome g) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode keep = root.putObject("keep");
        for (Map.Entry<String, Double> e : g.keepRatios().entrySet())
            if (e.getValue() < 1.0) keep.put(e.getKey(), Math.round(e.getValue() * 1e6) / 1e6);
        var int8 = root.putArray("int8");
        g.layersAt(Precision.INT8).forEach(int8::add);
        if (g.precisions().values().stream().anyMatch(p -> p != Precision.INT8)) {
            ObjectNode other = root.putObject("precision");
            g.precisions().forEach((layer, p) -> { if (p != Precision.INT8) other.put(layer, p.id()); });
        }
        if (!g.droppedBlocks().isEmpty()) {
            var drop = root.putArray("drop");
            g.droppedBlocks().forEach(drop::add);
        }
        return root.toString();
    }

    public static Genome read(String json) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null || !root.isObject()) throw new IllegalArgumentException("not a genome: expected a JSON object, got '" + json + "'");
            TreeMap<String, Double> keep = new TreeMap<>();
            root.path("keep").properties().forEach(e -> keep.put(e.getKey(), e.getValue().asDouble()));
            TreeMap<String, Precision> precisions = new TreeMap<>();
            root.path("int8").forEach(n -> precisions.put(n.asText(), Precision.INT8));
            for (var e : root.path("precision").properties()) {
                Precision p = Precision.parse(e.getValue().asText());
                Precision before = precisions.put(e.getKey(), p);
                if (before != null && before != p)
                    throw new IllegalArgumentException("not a genome: layer '" + e.getKey() + "' is both " + before + " and " + p);
            }
            TreeSet<String> drop = new TreeSet<>();
            root.path("drop").forEach(n -> drop.add(n.asText()));
            return new Genome(keep, precisions, drop);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a genome: " + e.getOriginalMessage(), e);
        }
    }
}
