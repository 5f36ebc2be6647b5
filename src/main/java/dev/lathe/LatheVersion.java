package dev.lathe;

/** The running Lathe version, from the jar manifest (or "dev" when run from classes). */
public final class LatheVersion {
    private LatheVersion() {}

    public static String get() {
        String v = LatheVersion.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
