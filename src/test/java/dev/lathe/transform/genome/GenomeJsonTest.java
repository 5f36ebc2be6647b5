package dev.lathe.transform.genome;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The genome's text is how studies recognise measured candidates: old texts must read and write back unchanged. */
class GenomeJsonTest {
    @Test
    void aGenomeWrittenBeforePrecisionsReadsAsInt8DynamicAndWritesBackIdentically() {
        String old = "{\"keep\":{\"ffn:/a/MatMul\":0.5},\"int8\":[\"/a/MatMul\",\"/b/Gemm\"],\"drop\":[\"block:2\"]}";
        Genome g = GenomeJson.read(old);
        assertEquals(Map.of("/a/MatMul", Precision.INT8, "/b/Gemm", Precision.INT8), g.precisions());
        assertEquals(0.5, g.keepRatio("ffn:/a/MatMul"));
        assertEquals(Set.of("block:2"), g.droppedBlocks());
        assertEquals(old, GenomeJson.write(g));
        assertEquals(GenomeJson.write(Genome.of(Map.of("ffn:/a/MatMul", 0.5), Set.of("/b/Gemm", "/a/MatMul")).withDroppedBlocks(Set.of("block:2"))), old);
    }

    @Test
    void otherPrecisionsGoUnderTheirOwnKeyInOneCanonicalOrder() {
        Map<String, Precision> a = new LinkedHashMap<>(), b = new LinkedHashMap<>();
        a.put("z", Precision.FP16); a.put("m", Precision.INT8); a.put("c", Precision.INT4_B64); a.put("d", Precision.INT8_STATIC);
        b.put("d", Precision.INT8_STATIC); b.put("c", Precision.INT4_B64); b.put("m", Precision.INT8); b.put("z", Precision.FP16);
        String text = GenomeJson.write(Genome.withPrecisions(Map.of(), a));
        assertEquals("{\"keep\":{},\"int8\":[\"m\"],\"precision\":{\"c\":\"int4_b64\",\"d\":\"int8_static\",\"z\":\"fp16\"}}", text);
        assertEquals(text, GenomeJson.write(Genome.withPrecisions(Map.of(), b)), "insertion order does not matter");
        assertEquals(Genome.withPrecisions(Map.of(), a), GenomeJson.read(text));
    }

    @Test
    void anUnknownOrContradictoryPrecisionIsNamed() {
        var unknown = assertThrows(IllegalArgumentException.class, () -> GenomeJson.read("{\"keep\":{},\"int8\":[],\"precision\":{\"a\":\"int3\"}}"));
        assertTrue(unknown.getMessage().contains("int3"), unknown.getMessage());
        var both = assertThrows(IllegalArgumentException.class, () -> GenomeJson.read("{\"keep\":{},\"int8\":[\"a\"],\"precision\":{\"a\":\"fp16\"}}"));
        assertTrue(both.getMessage().contains("'a'"), both.getMessage());
        // "int8" in the precision map is the same as the int8 list, and is written back there.
        assertEquals("{\"keep\":{},\"int8\":[\"a\"]}", GenomeJson.write(GenomeJson.read("{\"keep\":{},\"precision\":{\"a\":\"int8\"}}")));
    }

    @Test
    void int4AloneMeansBlocksOf32() {
        assertEquals(Precision.INT4_B32, Precision.parse("int4"));
        assertEquals(128, Precision.parse("INT4_B128").blockSize());
        assertFalse(Precision.INT8.supports("Conv"));
        assertTrue(Precision.INT8_STATIC.supports("Conv"));
    }
}
