package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.ConstantWeightCnn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.lathe.cli.LatheCommandTest.lathe;
import static org.junit.jupiter.api.Assertions.*;

/** {@code inspect --json} on the model kinds of issue 15: a decoder sample, and a CNN whose weights are Constant nodes. */
class InspectModelKindsTest {
    @TempDir
    Path dir;

    private static List<String> kinds(JsonNode inspect) {
        List<String> out = new ArrayList<>();
        inspect.get("groups").forEach(g -> out.add(g.get("kind").asText()));
        return out;
    }

    @Test
    void theDecoderSampleReportsHeadsUnitsAndWidth() throws Exception {
        LatheCommandTest.Run r = lathe("inspect", "sample:tiny-llama", "--json", "--seq-len", "8");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(List.of("attention_heads", "attention_heads", "ffn_units", "ffn_units", "hidden_width"), kinds(j));
        assertEquals(106824, j.get("parameters").asLong());
    }

    @Test
    void aConstantWeightCnnReportsItsParametersAndChannels() throws Exception {
        Path model = ConstantWeightCnn.write(dir, 9);
        LatheCommandTest.Run r = lathe("inspect", model.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(ConstantWeightCnn.PARAMETERS, j.get("parameters").asLong());
        assertEquals(List.of("conv_channels", "conv_channels", "conv_channels", "block"), kinds(j), "three channel groups and the residual branch");
        assertEquals(6, j.get("quantizable").size());
    }
}
