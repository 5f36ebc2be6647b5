package dev.lathe.transform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Canonical JSON for genomes: {"keep":{group:ratio,...},"int8":[layer,...],"drop":[block,...]}, keys sorted,
 * ratios of 1 and an empty drop list left out.
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
        g.int8Layers().forEach(int8::add);
        // Written only when used, so genomes without dropped blocks keep the key they always had.
        if (!g.droppedBlocks().isEmpty()) {
            var drop = root.putArray("drop");
            g.droppedBlocks().forEach(drop::add);
        }
        return root.toString();
    }

    public static Genome read(String json) {
        try {
            JsonNode root = JSON.readTree(json);
            TreeMap<String, Double> keep = new TreeMap<>();
            root.path("keep").properties().forEach(e -> keep.put(e.getKey(), e.getValue().asDouble()));
            TreeSet<String> int8 = new TreeSet<>();
            root.path("int8").forEach(n -> int8.add(n.asText()));
            TreeSet<String> drop = new TreeSet<>();
            root.path("drop").forEach(n -> drop.add(n.asText()));
            return new Genome(keep, int8, drop);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a genome: " + e.getOriginalMessage(), e);
        }
    }
}
