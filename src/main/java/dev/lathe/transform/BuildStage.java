package dev.lathe.transform;

/** One step of building a candidate from the original model: applies its part of the genome to the draft. */
interface BuildStage {
    void apply(CandidateDraft draft);
}
