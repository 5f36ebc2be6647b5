package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestModels;
import dev.lathe.eval.data.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.lathe.cli.LatheCommandTest.lathe;
import static org.junit.jupiter.api.Assertions.*;

/** {@code inspect --data} loads data the way a search would and shows what it feeds the model. */
class InspectDataTest {
    @TempDir
    Path dir;

    @Test
    void inspectShowsHowAnImageFolderFeedsTheModel() throws Exception {
        TestData.digitPngFolder(dir, 12);
        LatheCommandTest.Run r = lathe("inspect", TestModels.digitsCnn().toString(), "--json", "--data", dir.toString(),
                "--image-mean", "0.5", "--image-std", "0.25");
        assertEquals(0, r.code(), r.err());
        JsonNode data = new ObjectMapper().readTree(r.out()).get("data");
        assertEquals(8, data.get("calibration").get("samples").asInt());
        assertEquals(4, data.get("evaluation").get("samples").asInt());
        assertTrue(data.get("evaluation").get("labelled").asBoolean());
        assertTrue(data.get("evaluation").get("description").asText().contains("mean [0.5], std [0.25]"), data.toString());
        assertEquals("[1,1,8,8]", data.get("inputs").get("input").get("shape").toString());

        LatheCommandTest.Run text = lathe("inspect", TestModels.digitsCnn().toString(), "--data", dir.toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("8 calibration and 4 evaluation samples, labelled"), text.out());
    }

    @Test
    void badImageSettingsAndUnfittingDataExitWithOneLine() {
        LatheCommandTest.Run std = lathe("inspect", TestModels.digitsCnn().toString(), "--data", dir.toString(), "--image-std", "0.2,0,0.2");
        assertEquals(2, std.code());
        assertTrue(std.err().startsWith("lathe: --image-mean/--image-std: image std values must be positive"), std.err());

        LatheCommandTest.Run empty = lathe("inspect", TestModels.digitsCnn().toString(), "--data", dir.toString());
        assertEquals(1, empty.code());
        assertTrue(empty.err().startsWith("lathe: " + dir.getFileName() + ": no images"), empty.err());
    }
}
