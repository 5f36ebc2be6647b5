package dev.lathe.search;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.lathe.TestStudies;
import dev.lathe.export.CandidateExporter;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A search on a CNN whose weights are Constant nodes (opset 9, IR 3, as paddle2onnx writes it) finds a front and exports a runnable model. */
class ConstantWeightSearchTest {
    @TempDir
    Path dir;

    @Tag("slow")
    @Test
    void searchFindsAFrontAndTheExportKeepsTheSignature() throws Exception {
        Path model = dev.lathe.ConstantWeightCnn.write(dir, 9);
        OnnxModel original = OnnxModel.load(model);
        try (SqliteStudyStorage store = SqliteStudyStorage.open(dir.resolve("cnn.sqlite"))) {
            SearchRunner.Outcome o = new SearchRunner(model, TestStudies.config(8, 3, 1, 1, 4, null, null, true), store,
                    new SearchRunner.Listener() {}).run();
            assertEquals(8, o.measured());
            assertFalse(o.front().isEmpty());
            List<CandidateRecord> done = store.all().stream().filter(CandidateRecord::isDone).toList();
            assertTrue(done.stream().anyMatch(c -> c.sizeBytes() < done.get(0).sizeBytes()), "some candidate is smaller than the original");
            CandidateRecord pick = o.front().stream().filter(c -> !c.genomeJson().equals(done.get(0).genomeJson())).findFirst().orElse(o.front().get(0));
            CandidateExporter.Result r = CandidateExporter.export(store, pick.id(), dir.resolve("export"), false);
            OnnxModel exported = OnnxModel.load(r.model());
            List<String> signature = InputShapes.realInputs(original.proto().getGraph()).stream().map(ValueInfoProto::toString).toList();
            assertEquals(signature, InputShapes.realInputs(exported.proto().getGraph()).stream().map(ValueInfoProto::toString).toList());
            assertEquals(original.proto().getGraph().getOutputList(), exported.proto().getGraph().getOutputList());
            try (OrtRunner run = OrtRunner.of(exported, OrtRunner.RunnerSettings.cpu(1))) {
                assertEquals(2 * 10, run.run(SyntheticInputs.generate(exported, InputShapes.of(2, 1), 1)).get("logits").floats().length);
            }
        }
    }
}
