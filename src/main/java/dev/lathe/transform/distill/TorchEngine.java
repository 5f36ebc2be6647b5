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

    /**
     * The engine, after forcing offline mode unless the user explicitly set {@code ai.djl.offline} themselves. PyTorch
     * runs one intra-op and one inter-op thread unless {@code ai.djl.pytorch.num_threads} says otherwise: a graph of
     * hundreds of small operators spends more on waking a thread pool than it gains, and on a loaded 2-core machine a
     * MiniLM forward pass took 2.5 s with PyTorch's default pool against 40-170 ms with one thread.
     */
    public static synchronized Engine get() {
        if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) System.setProperty("ai.djl.pytorch.num_threads", "1");
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        return Engine.getEngine(NAME);
    }

    /**
     * PyTorch's autograd switch is per thread and on by default; DJL turns it off only on the thread that loads the
     * engine, and its gradient collector restores whatever the thread had. The optimizer's in-place updates of the
     * trained weights then fail on any other thread ("a leaf Variable that requires grad is being used in an in-place
     * operation"), as on the window's second worker thread. So every distillation turns it off on its own thread.
     */
    public static void autogradOffOnThisThread() {
        get();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }

    public static boolean offline() {
        return Boolean.parseBoolean(System.getProperty("ai.djl.offline"));
    }
}
