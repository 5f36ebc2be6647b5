package dev.lathe;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The installer profiles' strip lists ({@code installer.foreign.natives} in pom.xml) applied to the entries of the
 * native-library jars on the test class path, the way the installer profile's Ant {@code zipfileset excludes} applies
 * them to lathe.jar: each installer keeps its own system's PyTorch, ONNX Runtime and tokenizer libraries and drops the
 * others; PyTorch's libraries leave the jar only to lie unpacked beside it ({@code installer.pytorch.unpacked}).
 * Needs no package build.
 */
class InstallerNativesTest {

    @Test
    void theLinuxInstallerKeepsLibtorchAndItsJniLibraryAndDropsTheOtherSystems() throws Exception {
        List<Pattern> strip = stripList("installer-linux");
        // Every file of pytorch-native-cpu (libtorch_cpu.so, libc10.so, libgomp, pytorch.properties) stays.
        List<String> torch = filesOfJarHolding("pytorch/cpu/linux-x86_64/libtorch_cpu.so");
        assertTrue(torch.size() >= 5, "pytorch-native-cpu holds " + torch);
        for (String entry : torch) assertFalse(stripped(strip, entry), entry + " must stay in the Linux installer");

        List<String> jni = filesOfJarHolding("jnilib/linux-x86_64/cpu/libdjl_torch.so");
        assertFalse(stripped(strip, "jnilib/linux-x86_64/cpu/libdjl_torch.so"));
        assertFalse(stripped(strip, "jnilib/pytorch.properties"), "DJL reads the JNI version from it");
        for (String entry : jni) {
            boolean foreign = entry.startsWith("jnilib/win-") || entry.startsWith("jnilib/osx-") || entry.contains("/cu");
            if (foreign) assertTrue(stripped(strip, entry), entry + " is another system's (or CUDA's) and must go");
        }
        assertTrue(jni.stream().anyMatch(e -> e.startsWith("jnilib/win-")), "the JNI jar has Windows libraries to strip");
        assertFalse(stripped(strip, "ai/onnxruntime/native/linux-x64/libonnxruntime.so"));
        assertTrue(stripped(strip, "ai/onnxruntime/native/win-x64/onnxruntime.dll"));
    }

    @Test
    void theInstallersMoveTheLibrariesOutOfTheJarButKeepDjlsPropertiesInIt() throws Exception {
        List<Pattern> unpacked = Arrays.stream(property(null, "installer.pytorch.unpacked").split(","))
                .map(String::strip).map(InstallerNativesTest::antPattern).toList();
        for (String entry : filesOfJarHolding("pytorch/cpu/linux-x86_64/libtorch_cpu.so")) {
            if (entry.startsWith("pytorch/")) assertTrue(stripped(unpacked, entry), entry + " goes to lib/app/pytorch");
        }
        assertTrue(stripped(unpacked, "jnilib/linux-x86_64/cpu/libdjl_torch.so"));
        // DJL reads the versions from these two at run time, so they stay in the jar.
        assertFalse(stripped(unpacked, "jnilib/pytorch.properties"));
        assertFalse(stripped(unpacked, "native/lib/pytorch.properties"));
        assertFalse(stripped(unpacked, "native/lib/linux-x86_64/cpu/libtokenizers.so"));
    }

    @Test
    void theWindowsAndMacInstallersKeepTheirOwnJniLibraryOnly() throws Exception {
        List<Pattern> windows = stripList("installer-windows");
        assertFalse(stripped(windows, "jnilib/win-x86_64/cpu/djl_torch.dll"));
        assertTrue(stripped(windows, "jnilib/win-x86_64/cu128/djl_torch.dll"));
        assertTrue(stripped(windows, "jnilib/linux-x86_64/cpu/libdjl_torch.so"));
        assertTrue(stripped(windows, "jnilib/osx-aarch64/cpu/libdjl_torch.dylib"));

        List<Pattern> mac = stripList("installer-macos");
        assertFalse(stripped(mac, "jnilib/osx-aarch64/cpu/libdjl_torch.dylib"));
        assertTrue(stripped(mac, "jnilib/linux-x86_64/cpu/libdjl_torch.so"));
        assertTrue(stripped(mac, "jnilib/win-x86_64/cpu/djl_torch.dll"));
    }

    @Test
    void eachSystemBuildsWithItsOwnLibtorch() throws Exception {
        assertEquals("linux-x86_64", property(null, "pytorch.native.classifier"), "the default");
        assertEquals("win-x86_64", property("pytorch-native-windows", "pytorch.native.classifier"));
        assertEquals("osx-aarch64", property("pytorch-native-macos", "pytorch.native.classifier"));
        assertEquals("linux-aarch64", property("pytorch-native-linux-aarch64", "pytorch.native.classifier"));
    }

    /** Ant's pattern rules: {@code **} spans any number of folders (none included), {@code *} and {@code ?} stay within one. */
    static Pattern antPattern(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (pattern.startsWith("**/", i)) {
                regex.append("(?:.*/)?");
                i += 2;
            } else if (pattern.startsWith("/**", i) && i + 3 == pattern.length()) {
                regex.append("(?:/.*)?");
                i += 2;
            } else if (pattern.startsWith("**", i)) {
                regex.append(".*");
                i += 1;
            } else if (c == '*') {
                regex.append("[^/]*");
            } else if (c == '?') {
                regex.append("[^/]");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }

    @Test
    void antPatternsMatchAsAntDoes() {
        assertTrue(antPattern("**/*.dSYM/**").matcher("x.dSYM/a/b").matches());
        assertTrue(antPattern("**/*.dSYM/**").matcher("ai/x.dSYM/a").matches());
        assertTrue(antPattern("netlib-native_*-osx-*").matcher("netlib-native_system-osx-x86_64.jnilib").matches());
        assertFalse(antPattern("netlib-native_*-osx-*").matcher("lib/netlib-native_system-osx-x86_64.jnilib").matches());
        assertFalse(antPattern("jnilib/*/cu*/**").matcher("jnilib/linux-x86_64/cpu/libdjl_torch.so").matches());
    }

    private static boolean stripped(List<Pattern> strip, String entry) {
        return strip.stream().anyMatch(p -> p.matcher(entry).matches());
    }

    private static List<Pattern> stripList(String profile) throws Exception {
        String list = property(profile, "installer.foreign.natives");
        assertNotNull(list, profile + " sets installer.foreign.natives");
        return Arrays.stream(list.split(",")).map(String::strip).map(InstallerNativesTest::antPattern).toList();
    }

    /** A property of pom.xml's top-level properties (profile null) or of the profile with that id. */
    private static String property(String profile, String name) throws Exception {
        var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        Element root = pom.getDocumentElement();
        Element owner = root;
        if (profile != null) {
            owner = null;
            NodeList profiles = root.getElementsByTagName("profile");
            for (int i = 0; i < profiles.getLength(); i++) {
                Element p = (Element) profiles.item(i);
                if (profile.equals(p.getElementsByTagName("id").item(0).getTextContent().strip())) owner = p;
            }
            assertNotNull(owner, "pom.xml has a profile " + profile);
        }
        for (var node = owner.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element e && e.getTagName().equals("properties")) {
                NodeList values = e.getElementsByTagName(name);
                return values.getLength() == 0 ? null : values.item(0).getTextContent().strip();
            }
        }
        return null;
    }

    /** The file entries of the jar on the class path that holds this resource. */
    private static List<String> filesOfJarHolding(String resource) throws Exception {
        URL url = InstallerNativesTest.class.getClassLoader().getResource(resource);
        assertNotNull(url, resource + " is on the class path");
        File jar = new File(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
        List<String> files = new ArrayList<>();
        try (JarFile file = new JarFile(jar)) {
            file.stream().filter(e -> !e.isDirectory()).forEach(e -> files.add(e.getName()));
        }
        return files;
    }
}
