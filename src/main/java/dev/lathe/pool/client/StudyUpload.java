package dev.lathe.pool.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.eval.SessionInfo;
import dev.lathe.pool.StudyPackage;

import java.nio.file.Path;
import java.util.Map;

/**
 * A study as the client sends it: the package (as the JSON every task carries), where each of its files is on
 * this machine, the evaluation data's fingerprint every device must reproduce (null to skip the check), and who
 * hears what each device's measuring session found (its machine, the kind of output).
 */
record StudyUpload(StudyPackage pkg, JsonNode packageJson, Map<String, Path> localFiles, String expectedFingerprint,
                   java.util.function.Consumer<SessionInfo> sessions) {}
