package dev.lathe.pool;

import dev.lathe.LatheVersion;
import dev.lathe.eval.ExecutionProviders;
import dev.lathe.eval.MachineInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A device as its agent advertises it, in Hazelcast member attributes: a stable name, the pool of identical
 * devices it belongs to, and what makes a latency comparable (CPU model and cores, architecture, GPU, ONNX
 * Runtime version and the providers it can use, Lathe version), taken from {@link MachineInfo}.
 */
public record DeviceDescription(String name, String pool, String cpuModel, int cores, String arch, String os, String gpu,
                                String onnxRuntime, List<String> providers, String latheVersion) {
    private static final String PREFIX = "lathe.";

    public DeviceDescription {
        providers = providers == null ? List.of() : List.copyOf(providers);
    }

    /** This machine, as device {@code name} of {@code pool}. */
    public static DeviceDescription of(String name, String pool) {
        MachineInfo m = MachineInfo.current();
        List<String> providers = new ArrayList<>();
        for (ExecutionProviders.Status s : ExecutionProviders.all()) if (s.available()) providers.add(s.id());
        return new DeviceDescription(name, pool, m.cpuModel(), m.logicalCores(), m.arch(), m.os() + " " + m.osVersion(), m.gpu(),
                m.onnxRuntime(), providers, LatheVersion.get());
    }

    /** The member attributes (no nulls: Hazelcast refuses them). */
    public Map<String, String> attributes() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put(PREFIX + "name", name);
        a.put(PREFIX + "pool", pool);
        a.put(PREFIX + "cpu", String.valueOf(cpuModel));
        a.put(PREFIX + "cores", Integer.toString(cores));
        a.put(PREFIX + "arch", String.valueOf(arch));
        a.put(PREFIX + "os", String.valueOf(os));
        a.put(PREFIX + "gpu", gpu == null ? "" : gpu);
        a.put(PREFIX + "ort", String.valueOf(onnxRuntime));
        a.put(PREFIX + "providers", String.join(",", providers));
        a.put(PREFIX + "lathe", String.valueOf(latheVersion));
        return a;
    }

    /** The description in a member's attributes, or null for a member that is not a Lathe agent. */
    public static DeviceDescription fromAttributes(Map<String, String> a) {
        if (a == null || a.get(PREFIX + "name") == null || a.get(PREFIX + "pool") == null) return null;
        int cores;
        try {
            cores = Integer.parseInt(a.getOrDefault(PREFIX + "cores", "0"));
        } catch (NumberFormatException e) {
            cores = 0;
        }
        String gpu = a.getOrDefault(PREFIX + "gpu", "");
        String providers = a.getOrDefault(PREFIX + "providers", "");
        return new DeviceDescription(a.get(PREFIX + "name"), a.get(PREFIX + "pool"), a.get(PREFIX + "cpu"), cores, a.get(PREFIX + "arch"),
                a.get(PREFIX + "os"), gpu.isEmpty() ? null : gpu, a.get(PREFIX + "ort"),
                providers.isEmpty() ? List.of() : List.of(providers.split(",")), a.get(PREFIX + "lathe"));
    }

    /**
     * Why a latency measured here would not compare with one measured on {@code other}, or null when it would:
     * a different CPU model, core count, architecture, GPU, ONNX Runtime or Lathe version.
     */
    public String differenceFrom(DeviceDescription other) {
        List<String> d = new ArrayList<>();
        differs(d, "CPU model", cpuModel, other.cpuModel);
        differs(d, "logical cores", Integer.toString(cores), Integer.toString(other.cores));
        differs(d, "architecture", arch, other.arch);
        differs(d, "GPU", gpu, other.gpu);
        differs(d, "ONNX Runtime", onnxRuntime, other.onnxRuntime);
        differs(d, "Lathe", latheVersion, other.latheVersion);
        return d.isEmpty() ? null : String.join("; ", d);
    }

    private static void differs(List<String> out, String what, String mine, String theirs) {
        if (!java.util.Objects.equals(mine, theirs)) out.add(what + " " + mine + " (pool: " + theirs + ")");
    }

    /** One line for logs and status: "board-1 · Cortex-A76 · 4 cores · aarch64 · ORT 1.23.2". */
    public String summary() {
        return name + " · " + cpuModel + " · " + cores + " cores · " + arch + (gpu != null ? " · " + gpu : "") + " · ORT " + onnxRuntime
                + " · Lathe " + latheVersion;
    }
}
