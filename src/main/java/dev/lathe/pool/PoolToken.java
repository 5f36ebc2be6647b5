package dev.lathe.pool;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The secret an agent and its clients share. Hazelcast's Community Edition authenticates nobody (the cluster name
 * is not a secret), so every task is signed with an HMAC-SHA256 under this token and an agent runs only what
 * verifies. Read from a file or the {@value #ENV} environment variable, never from a command-line argument, where
 * every user of the machine could read it in the process list.
 */
public final class PoolToken {
    public static final String ENV = "LATHE_POOL_TOKEN";
    /** 16 characters at least: a token that can be guessed protects nothing. */
    public static final int MIN_LENGTH = 16;

    private final byte[] key;

    private PoolToken(byte[] key) {
        this.key = key;
    }

    public static PoolToken of(String secret) {
        String s = secret == null ? "" : secret.strip();
        if (s.length() < MIN_LENGTH)
            throw new IllegalArgumentException("the pool token must have at least " + MIN_LENGTH + " characters (it has " + s.length() + ")");
        return new PoolToken(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The token in {@code file}, or else in {@value #ENV}; an error naming both when neither has one. */
    public static PoolToken read(Path file) {
        if (file != null) {
            try {
                return of(Files.readString(file));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the pool token from " + file + ": " + e.getMessage(), e);
            }
        }
        String env = System.getenv(ENV);
        if (env == null || env.isBlank())
            throw new IllegalArgumentException("no pool token: pass --token-file FILE or set " + ENV);
        return of(env);
    }

    /** HMAC-SHA256 of {@code content} under the token. */
    public byte[] sign(byte[] content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Whether {@code mac} is the token's signature of {@code content}, compared in constant time. */
    public boolean verifies(byte[] content, byte[] mac) {
        return mac != null && MessageDigest.isEqual(sign(content), mac);
    }

    /** A short public name for the token (its hash's first bytes), so logs can tell tokens apart without showing one. */
    public String fingerprint() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() { return "PoolToken[" + fingerprint() + "]"; }
}
