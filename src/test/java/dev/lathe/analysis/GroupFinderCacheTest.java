package dev.lathe.analysis;

import dev.lathe.TestModels;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The analysis of a model is computed once per content and shared: the builder, the inspector and SmoothQuant ask often. */
class GroupFinderCacheTest {
    @Test
    void twoLoadsOfOneFileShareOneAnalysisAndAnotherModelGetsItsOwn() {
        OnnxModel a = OnnxModel.load(TestModels.digitsMlp()), b = OnnxModel.load(TestModels.digitsMlp());
        GroupFinder.Result first = GroupFinder.analyze(a);
        assertSame(first, GroupFinder.analyze(b), "same SHA-256, same analysis");
        assertEquals(GroupFinder.analyze(MutableGraph.of(a)), first, "and it is the analysis of the graph");
        OnnxModel cnn = OnnxModel.load(TestModels.digitsCnn());
        assertNotEquals(first, GroupFinder.analyze(cnn));
        // A model built in memory has no file hash: its serialized graph is hashed instead.
        OnnxModel inMemory = OnnxModel.of(a.proto());
        assertNull(inMemory.sha256());
        assertSame(GroupFinder.analyze(inMemory), GroupFinder.analyze(OnnxModel.of(a.proto())));
        assertEquals(first, GroupFinder.analyze(inMemory));
    }
}
