package dev.lathe.search;

import dev.lathe.transform.Precision;
import dev.lathe.transform.QuantizationOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Settings are stored as JSON in every study: new fields must round-trip and old studies must read as they were searched. */
class SearchSettingsTest {
    @Test
    void precisionsCalibrationAndSensitivityRoundTrip() {
        SearchSettings s = SearchSettings.defaults().withPrecisions(PrecisionChoices.of(List.of(Precision.INT8_STATIC, Precision.INT4_B64)),
                new QuantizationOptions("percentile", 99.9, true, 32, true), 8);
        SearchSettings back = SearchSettings.fromJson(s.toJson());
        assertEquals(s, back);
        assertEquals(Map.of("Conv", List.of("int8_static"), "Gemm", List.of("int8_static", "int4_b64"), "MatMul", List.of("int8_static", "int4_b64")),
                back.precisions());
        assertEquals(8, back.sensitivitySamples());
        assertTrue(back.quantization().reduceRange());
    }

    @Test
    void aStudyWrittenBeforePrecisionsSearchesInt8MatMulOnlyWithoutSensitivity() {
        String old = "{\"budget\":40,\"seed\":1,\"threads\":1,\"batch\":1,\"sequenceLength\":128,\"populationSize\":12,\"strategy\":\"nsga2\","
                + "\"dataPath\":null,\"tokenizerPath\":null,\"quickTiming\":false,\"criterion\":\"activation\",\"repair\":\"lstsq\",\"shapes\":{}}";
        SearchSettings s = SearchSettings.fromJson(old);
        assertEquals(PrecisionChoices.LEGACY, s.precisionChoices());
        assertEquals(0, s.sensitivitySamples());
        assertEquals(QuantizationOptions.DEFAULT, s.quantization());
        assertEquals(PrecisionChoices.DEFAULT, SearchSettings.defaults().precisionChoices(), "new studies get the defaults");
        assertEquals(SensitivityAnalysis.DEFAULT_SEARCH_SAMPLES, SearchSettings.defaults().sensitivitySamples());
    }

    @Test
    void pinnedLayersRoundTripAndAreCheckedAgainstTheModel() {
        PrecisionChoices c = PrecisionChoices.of(List.of(Precision.INT8, Precision.INT4_B32)).pin("/a/MatMul", List.of()).pin("/b/Conv", List.of(Precision.FP16));
        SearchSettings back = SearchSettings.fromJson(SearchSettings.defaults().withPrecisions(c, QuantizationOptions.DEFAULT, 0).toJson());
        assertEquals(c, back.precisionChoices());
        assertEquals(List.of(), back.precisions().get("layer:/a/MatMul"));
        var matmul = new dev.lathe.analysis.QuantizableLayer("/a/MatMul", "MatMul", 0, "w", 4, 4);
        var other = new dev.lathe.analysis.QuantizableLayer("/c/MatMul", "MatMul", 1, "w2", 4, 4);
        var conv = new dev.lathe.analysis.QuantizableLayer("/b/Conv", "Conv", 2, "f", 9, 4);
        assertEquals(List.of(), c.forLayer(matmul), "pinned to float32");
        assertEquals(List.of(Precision.INT8, Precision.INT4_B32), c.forLayer(other), "the operator's set");
        assertEquals(List.of(Precision.FP16), c.forLayer(conv));
        c.requireLayers(List.of(matmul, other, conv));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.requireLayers(List.of(matmul, other)));
        assertTrue(e.getMessage().contains("'/b/Conv', which this model does not have"), e.getMessage());
        var wrongOp = PrecisionChoices.DEFAULT.pin("/b/Conv", List.of(Precision.INT8));
        e = assertThrows(IllegalArgumentException.class, () -> wrongOp.requireLayers(List.of(conv)));
        assertTrue(e.getMessage().contains("is a Conv, which cannot run at int8"), e.getMessage());
        assertFalse(c.without(Precision.FP16).offers(Precision.FP16));
    }
}
