package dev.lathe.eval;

/**
 * What a measuring process found when it prepared: the kind of output it scores (null without quality), the
 * evaluation data it rebuilt (its description and fingerprint, which must match the study's), the machine,
 * and the process id, so a restarted worker can be told apart.
 */
public record SessionInfo(String outputKind, String dataDescription, boolean dataSynthetic, String dataFingerprint,
                          int evaluationSamples, MachineInfo machine, long pid) {}
