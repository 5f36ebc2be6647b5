package dev.lathe.search;

import dev.lathe.config.PrecisionChoices;
import dev.lathe.eval.LatencyClock;
import dev.lathe.eval.data.ImagePreprocessing;
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
    void smoothQuantAlphaRoundTripsAndStudiesFromBeforeItDoNotSmooth() {
        SearchSettings s = SearchSettings.defaults().withPrecisions(PrecisionChoices.DEFAULT, QuantizationOptions.DEFAULT.withSmoothAlpha(0.7), 8);
        String json = s.toJson();
        assertTrue(json.contains("\"smoothAlpha\":0.7"), json);
        SearchSettings back = SearchSettings.fromJson(json);
        assertEquals(s, back);
        assertEquals(0.7, back.quantization().smoothAlpha());
        assertTrue(back.quantization().smoothing());
        String before = "{\"budget\":40,\"seed\":1,\"threads\":1,\"batch\":1,\"sequenceLength\":128,\"populationSize\":12,\"strategy\":\"nsga2\","
                + "\"criterion\":\"obs\",\"repair\":\"lstsq\",\"shapes\":{},\"precisions\":{\"MatMul\":[\"int8\"]},"
                + "\"quantization\":{\"calibration\":\"percentile\",\"percentile\":99.9,\"symmetricActivations\":true,\"calibrationSamples\":32,\"reduceRange\":true},"
                + "\"sensitivitySamples\":8}";
        QuantizationOptions old = SearchSettings.fromJson(before).quantization();
        assertEquals(new QuantizationOptions("percentile", 99.9, true, 32, true), old);
        assertNull(old.smoothAlpha());
        assertFalse(old.smoothing());
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
        assertEquals(LatencyClock.WALL, s.clock(), "studies from before the clock choice were timed on the wall clock");
        assertNull(s.imageMean());
        assertNull(s.imageStd());
        assertNull(s.imagePreprocessing(), "without stored normalization the model's own preprocessing applies, as it did");
    }

    @Test
    void clockAndImageNormalizationRoundTrip() {
        SearchSettings s = SearchSettings.defaults().withClock(LatencyClock.CPU)
                .withImageNormalization(List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225));
        String json = s.toJson();
        assertTrue(json.contains("\"clock\":\"cpu\""), json);
        SearchSettings back = SearchSettings.fromJson(json);
        assertEquals(s, back);
        assertEquals(LatencyClock.CPU, back.clock());
        assertEquals(new ImagePreprocessing(new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225}), back.imagePreprocessing());
        assertEquals(LatencyClock.CPU, back.withBudget(99).withPrecisions(PrecisionChoices.DEFAULT, QuantizationOptions.DEFAULT, 0).clock(),
                "the other settings' copies keep the clock");
        assertEquals(List.of(0.229, 0.224, 0.225), back.withBudget(99).imageStd());
        assertEquals("wall", SearchSettings.fromJson(SearchSettings.defaults().toJson()).clock().id());
    }

    @Test
    void badClockOrNormalizationIsRefusedNamingIt() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SearchSettings.fromJson(SearchSettings.defaults().toJson().replace("\"wall\"", "\"sundial\"")))
                .getMessage().contains("unknown clock 'sundial' (wall or cpu)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SearchSettings.defaults().withImageNormalization(null, List.of(0.0)))
                .getMessage().contains("image std values must be positive"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SearchSettings.defaults().withImageNormalization(List.of(0.1, 0.2), null))
                .getMessage().contains("image mean needs 1 value or 3"));
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
