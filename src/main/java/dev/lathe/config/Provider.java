package dev.lathe.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The ONNX Runtime execution provider candidates are measured on. */
public enum Provider implements Spelled {
    CPU("cpu"), CUDA("cuda");

    private final String id;

    Provider(String id) { this.id = id; }

    @JsonValue
    @Override
    public String id() { return id; }

    @JsonCreator
    public static Provider parse(String id) { return Spelled.parse(Provider.class, "provider", id); }
}
