package dev.lathe.study;

/** Life of a candidate in a study: pending and running ones are re-run after a crash; done and failed ones never are. */
public enum CandidateStatus { PENDING, RUNNING, DONE, FAILED;

    public String id() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static CandidateStatus of(String s) { return valueOf(s.toUpperCase(java.util.Locale.ROOT)); }
}
