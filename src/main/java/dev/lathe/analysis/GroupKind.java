package dev.lathe.analysis;

/** Kinds of removable structure, named as the CLI and study files spell them. */
public enum GroupKind {
    /** Hidden units of a transformer feed-forward block (MatMul on token sequences). */
    FFN_UNITS("ffn_units"),
    /** Hidden units of a plain multilayer perceptron (Gemm on feature vectors). */
    MLP_UNITS("mlp_units"),
    ATTENTION_HEADS("attention_heads"),
    /** Output channels of a convolution, with everything coupled to them. */
    CONV_CHANNELS("conv_channels"),
    /** The width of a transformer's residual stream: one channel of the embeddings, every norm and every projection reading or writing it. */
    HIDDEN_WIDTH("hidden_width"),
    /** A whole residual block, kept or dropped (listed apart from unit groups, see {@link RemovableBlock}). */
    BLOCK("block");

    private final String id;

    GroupKind(String id) { this.id = id; }

    public String id() { return id; }
}
