package dev.lathe.transform.distill;

import ai.djl.engine.Engine;

/**
 * DJL's PyTorch engine, loaded offline: the native library comes from the {@code pytorch-native-cpu} jar on the class
 * path and is only unpacked into DJL's cache, never downloaded. Every use of the engine in Lathe goes through here,
 * so the offline switch is set before DJL first looks for a library.
 */
public final class TorchEngine {
    public static final String NAME = "PyTorch";

    private TorchEngine() {}

    /** The engine, after forcing offline mode unless the user explicitly set {@code ai.djl.offline} themselves. */
    public static synchronized Engine get() {
        if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
        return Engine.getEngine(NAME);
    }

    public static boolean offline() {
        return Boolean.parseBoolean(System.getProperty("ai.djl.offline"));
    }
}
