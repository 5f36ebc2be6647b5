package dev.lathe.config;

import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.data.ImagePreprocessing;
import dev.lathe.study.Constraints;
import dev.lathe.study.Objective;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.quantization.QuantizationOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The configuration is stored as versioned JSON in every study: it must round-trip, and old studies must read as they were searched. */
class StudyConfigTest {
    private static StudyConfig withPrecisions(PrecisionChoices c, QuantizationOptions q, int sensitivity) {
        return StudyConfig.defaults().with(PrecisionConfig.of(c, q, sensitivity));
    }

    @Test
    void precisionsCalibrationAndSensitivityRoundTrip() {
        StudyConfig s = withPrecisions(PrecisionChoices.of(List.of(Precision.INT8_STATIC, Precision.INT4_B64)),
                new QuantizationOptions("percentile", 99.9, true, 32, true), 8);
        String json = s.toJson();
        assertTrue(json.startsWith("{\"version\":2,\"search\":{"), json);
        StudyConfig back = StudyConfig.fromJson(json);
        assertEquals(s, back);
        assertEquals(Map.of("Conv", List.of("int8_static"), "Gemm", List.of("int8_static", "int4_b64"), "MatMul", List.of("int8_static", "int4_b64")),
                back.precision().precisions());
        assertEquals(8, back.precision().sensitivitySamples());
        assertTrue(back.precision().quantization().reduceRange());
    }

    @Test
    void smoothQuantAlphaRoundTripsAndStudiesFromBeforeItDoNotSmooth() {
        StudyConfig s = withPrecisions(PrecisionChoices.DEFAULT, QuantizationOptions.DEFAULT.withSmoothAlpha(0.7), 8);
        String json = s.toJson();
        assertTrue(json.contains("\"smoothAlpha\":0.7"), json);
        StudyConfig back = StudyConfig.fromJson(json);
        assertEquals(s, back);
        assertEquals(0.7, back.precision().quantization().smoothAlpha());
        assertTrue(back.precision().quantization().smoothing());
        String before = "{\"budget\":40,\"seed\":1,\"threads\":1,\"batch\":1,\"sequenceLength\":128,\"populationSize\":12,\"strategy\":\"nsga2\","
                + "\"criterion\":\"obs\",\"repair\":\"lstsq\",\"shapes\":{},\"precisions\":{\"MatMul\":[\"int8\"]},"
                + "\"quantization\":{\"calibration\":\"percentile\",\"percentile\":99.9,\"symmetricActivations\":true,\"calibrationSamples\":32,\"reduceRange\":true},"
                + "\"sensitivitySamples\":8}";
        QuantizationOptions old = StudyConfig.fromJson(before).precision().quantization();
        assertEquals(new QuantizationOptions("percentile", 99.9, true, 32, true), old);
        assertNull(old.smoothAlpha());
        assertFalse(old.smoothing());
    }

    @Test
    void aStudyWrittenBeforePrecisionsSearchesInt8MatMulOnlyWithoutSensitivity() {
        String old = "{\"budget\":40,\"seed\":1,\"threads\":1,\"batch\":1,\"sequenceLength\":128,\"populationSize\":12,\"strategy\":\"nsga2\","
                + "\"dataPath\":null,\"tokenizerPath\":null,\"quickTiming\":false,\"criterion\":\"activation\",\"repair\":\"lstsq\",\"shapes\":{}}";
        StudyConfig s = StudyConfig.fromJson(old);
        assertEquals(PrecisionChoices.LEGACY, s.precision().choices());
        assertEquals(0, s.precision().sensitivitySamples());
        assertEquals(QuantizationOptions.DEFAULT, s.precision().quantization());
        assertEquals(new PruningConfig(Criterion.ACTIVATION, Repair.LSTSQ), s.pruning());
        assertEquals(PrecisionChoices.DEFAULT, StudyConfig.defaults().precision().choices(), "new studies get the defaults");
        assertEquals(PrecisionConfig.DEFAULT_SENSITIVITY_SAMPLES, StudyConfig.defaults().precision().sensitivitySamples());
        assertEquals(LatencyClock.WALL, s.measuring().clock(), "studies from before the clock choice were timed on the wall clock");
        assertNull(s.data().imageMean());
        assertNull(s.data().imageStd());
        assertNull(s.data().imagePreprocessing(), "without stored normalization the model's own preprocessing applies, as it did");
        String first = "{\"budget\":12,\"seed\":1,\"threads\":1,\"batch\":1,\"sequenceLength\":128,\"populationSize\":12,\"strategy\":\"random\","
                + "\"dataPath\":null,\"tokenizerPath\":null,\"quickTiming\":true}";
        assertEquals(PruningConfig.MAGNITUDE, StudyConfig.fromJson(first).pruning(), "the first studies ranked by magnitude without repair");
        assertEquals(StrategyKind.RANDOM, StudyConfig.fromJson(first).search().strategy());
    }

    /** What a schema-2 study holds, as its storage hands it back: the old settings and measuring objects in a version-1 document. */
    @Test
    void anOldStudysSettingsAndMeasuringLoad() {
        String v1 = "{\"version\":1,\"settings\":{\"budget\":10,\"seed\":7,\"threads\":2,\"batch\":1,\"sequenceLength\":64,\"populationSize\":5,"
                + "\"strategy\":\"nsga2\",\"dataPath\":\"/d/test.csv\",\"tokenizerPath\":null,\"quickTiming\":true,\"criterion\":\"obs\",\"repair\":\"lstsq\","
                + "\"shapes\":{\"input\":[1,64]},\"precisions\":{\"MatMul\":[\"int8\"],\"Gemm\":[\"int8\"]},\"quantization\":null,\"sensitivitySamples\":32,"
                + "\"clock\":\"cpu\",\"imageMean\":null,\"imageStd\":null,\"constraints\":{\"maxLatencyMs\":null,\"maxMemoryMib\":200.0,\"maxSizeMb\":null,"
                + "\"minQuality\":0.9},\"keepRanges\":{\"minKeep\":0.5,\"ranges\":{},\"keepBlocks\":[]}},"
                + "\"measuring\":{\"provider\":\"cpu\",\"tolerancePct\":3.0,\"referenceEvery\":4,\"referenceMinutes\":2.0,\"objective\":\"memory\","
                + "\"isolated\":true,\"timeoutSeconds\":120.0,\"workerHeap\":null}}";
        StudyConfig c = StudyConfig.fromJson(v1);
        assertEquals(new SearchConfig(10, 7, 5, StrategyKind.NSGA2), c.search());
        assertEquals(new DataConfig("/d/test.csv", null, 1, 64, Map.of("input", List.of(1L, 64L)), null, null), c.data());
        assertEquals(PruningConfig.CALIBRATED, c.pruning());
        assertEquals(new MeasuringConfig(Provider.CPU, LatencyClock.CPU, 2, true, 3.0, 4, 2.0, Objective.MEMORY, true, 120, null), c.measuring());
        assertEquals(new Constraints(null, 200.0, null, 0.9), c.constraints());
        assertEquals(0.5, c.keepRanges().minKeep());
        assertEquals(c, StudyConfig.fromJson(c.toJson()), "saved again as version 2, it reads back the same");
    }

    @Test
    void anUnknownValueIsRefusedNamingTheAllowedOnes() {
        String json = StudyConfig.defaults().toJson();
        Map<String, String> cases = Map.of(
                "\"nsga2\"", "unknown strategy 'annealing' (nsga2 or random)",
                "\"obs\"", "unknown criterion 'annealing' (obs, activation, sensitivity or magnitude)",
                "\"lstsq\"", "unknown repair 'annealing' (lstsq or none)",
                "\"cpu\"", "unknown provider 'annealing' (cpu or cuda)",
                "\"latency\"", "unknown objective 'annealing' (latency or memory)");
        cases.forEach((value, message) -> {
            assertTrue(json.contains(value), value + " in " + json);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.fromJson(json.replace(value, "\"annealing\"")));
            assertTrue(e.getMessage().contains(message), e.getMessage());
        });
        assertEquals("unknown criterion 'newest' (obs, activation, sensitivity or magnitude)",
                assertThrows(IllegalArgumentException.class, () -> Criterion.parse("newest")).getMessage(), "never a silent default");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StudyConfig.fromJson("{\"version\":3}")).getMessage().contains("version 3"));
    }

    @Test
    void clockAndImageNormalizationRoundTrip() {
        StudyConfig s = StudyConfig.defaults().withClock(LatencyClock.CPU)
                .with(DataConfig.DEFAULT.withImageNormalization(List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225)));
        String json = s.toJson();
        assertTrue(json.contains("\"clock\":\"cpu\""), json);
        StudyConfig back = StudyConfig.fromJson(json);
        assertEquals(s, back);
        assertEquals(LatencyClock.CPU, back.measuring().clock());
        assertEquals(new ImagePreprocessing(new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225}), back.data().imagePreprocessing());
        assertEquals(LatencyClock.CPU, back.withBudget(99).with(PrecisionConfig.DEFAULT).measuring().clock(), "the other parts' copies keep the clock");
        assertEquals(List.of(0.229, 0.224, 0.225), back.withBudget(99).data().imageStd());
        assertEquals("wall", StudyConfig.fromJson(StudyConfig.defaults().toJson()).measuring().clock().id());
    }

    @Test
    void badClockOrNormalizationIsRefusedNamingIt() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StudyConfig.fromJson(StudyConfig.defaults().toJson().replace("\"wall\"", "\"sundial\"")))
                .getMessage().contains("unknown clock 'sundial' (wall or cpu)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DataConfig.DEFAULT.withImageNormalization(null, List.of(0.0)))
                .getMessage().contains("image std values must be positive"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DataConfig.DEFAULT.withImageNormalization(List.of(0.1, 0.2), null))
                .getMessage().contains("image mean needs 1 value or 3"));
    }

    /** The measurement set-up is derived from the data and measuring parts, not set apart from them. */
    @Test
    void theMeasurementSetupIsDerivedFromTheConfiguration() {
        StudyConfig c = StudyConfig.defaults().with(new DataConfig("/d/x.csv", null, 2, 16, Map.of(), null, null))
                .with(MeasuringConfig.DEFAULT.withObjective(Objective.MEMORY).withIsolation(false)).withClock(LatencyClock.CPU);
        MeasurementSetup m = c.measurementSetup(Path.of("/m/model.onnx"));
        assertEquals("/d/x.csv", m.dataPath());
        assertEquals(2, m.batch());
        assertEquals(16, m.sequenceLength());
        assertEquals("cpu", m.provider());
        assertEquals(LatencyClock.CPU, m.clock());
        assertTrue(m.peakMemory(), "peak memory is read when it is the objective");
        assertEquals(c.measuring().protocol(), m.protocol());
    }

    @Test
    void pinnedLayersRoundTripAndAreCheckedAgainstTheModel() {
        PrecisionChoices c = PrecisionChoices.of(List.of(Precision.INT8, Precision.INT4_B32)).pin("/a/MatMul", List.of()).pin("/b/Conv", List.of(Precision.FP16));
        StudyConfig back = StudyConfig.fromJson(withPrecisions(c, QuantizationOptions.DEFAULT, 0).toJson());
        assertEquals(c, back.precision().choices());
        assertEquals(List.of(), back.precision().precisions().get("layer:/a/MatMul"));
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
