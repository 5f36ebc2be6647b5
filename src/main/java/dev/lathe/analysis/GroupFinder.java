package dev.lathe.analysis;

import ai.onnx.proto.OnnxMl.NodeProto;
import dev.lathe.analysis.finder.AttentionHeadFinder;
import dev.lathe.analysis.finder.ConvChannelFinder;
import dev.lathe.analysis.finder.FeedForwardFinder;
import dev.lathe.analysis.finder.HiddenWidthFinder;
import dev.lathe.analysis.finder.QuantizableLayerFinder;
import dev.lathe.analysis.finder.Reasons;
import dev.lathe.analysis.finder.ResidualBranchFinder;
import dev.lathe.analysis.finder.TransformerLayerFinder;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Analyses a model by pattern-matching the ONNX graph itself (no PyTorch module tree to lean on): runs one
 * finder per structure (attention heads, feed-forward units, convolution channels, quantizable layers,
 * transformer layers, residual branches) and reports every weighted layer left out of all groups with the reason.
 * The analysis of a model is computed once per model content and shared by everyone who asks for it.
 */
public final class GroupFinder {
    /** Analyses kept: the models of the studies open at once (an original and a few being compared). */
    private static final int CACHED_MODELS = 8;
    private static final Map<String, Result> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Result> eldest) { return size() > CACHED_MODELS; }
    };

    private GroupFinder() {}

    public record Result(List<PrunableGroup> groups, List<UnprunableStructure> unprunable, List<QuantizableLayer> quantizable,
                         List<RemovableBlock> blocks) {
        public Optional<PrunableGroup> group(String id) {
            return groups.stream().filter(g -> g.id().equals(id)).findFirst();
        }

        public Optional<RemovableBlock> block(String id) {
            return blocks.stream().filter(b -> b.id().equals(id)).findFirst();
        }

        /** The attention groups, each with the roles of its layers. */
        public List<PrunableGroup> attention() {
            return groups.stream().filter(g -> g.attention() != null).toList();
        }
    }

    /**
     * The analysis of a model, from the cache when this content (by its file's SHA-256, or the serialized graph's for
     * a model built in memory) was analysed before. Results are immutable, so sharing them is safe.
     */
    public static Result analyze(OnnxModel model) {
        String key = model.sha256() != null ? model.sha256()
                : model.fitsOneProtobuf() ? digest(model.proto().toByteArray()) : model.contentSha256(); // over 2 GiB it cannot be serialized whole
        synchronized (CACHE) {
            Result known = CACHE.get(key);
            if (known != null) return known;
        }
        Result fresh = analyze(MutableGraph.of(model));
        synchronized (CACHE) {
            CACHE.putIfAbsent(key, fresh);
            return CACHE.get(key);
        }
    }

    /** The analysis of a graph as it is now (not cached: a graph can still change). */
    public static Result analyze(MutableGraph graph) {
        Reasons reasons = new Reasons();
        List<PrunableGroup> attention = new AttentionHeadFinder().find(graph, reasons);
        List<PrunableGroup> groups = new ArrayList<>(attention);
        groups.addAll(new FeedForwardFinder(attention).find(graph, reasons));
        groups.addAll(new ConvChannelFinder().find(graph, reasons));
        groups.addAll(new HiddenWidthFinder().find(graph, reasons));
        List<QuantizableLayer> quantizable = new QuantizableLayerFinder().find(graph, reasons);
        List<RemovableBlock> blocks = new ArrayList<>(new TransformerLayerFinder(attention).find(graph, reasons));
        blocks.addAll(new ResidualBranchFinder().find(graph, reasons));
        return new Result(List.copyOf(groups), reasons.unprunable(groups, quantizable), List.copyOf(quantizable), List.copyOf(blocks));
    }

    /** The name of a node as groups and genomes spell it (see {@link NodeNames#id}). */
    public static String nodeId(NodeProto n) {
        return NodeNames.id(n);
    }

    private static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }
}
