package dev.lathe.analysis;

/** Kinds of removable structure, named as the CLI and study files spell them. */
public enum GroupKind {
    FFN_UNITS("ffn_units"),
    ATTENTION_HEADS("attention_heads");

    private final String id;

    GroupKind(String id) { this.id = id; }

    public String id() { return id; }
}
