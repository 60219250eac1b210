package io.tradingdesk.api.http;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * Checks {@code Authorization: Bearer <token>} (API_TOKEN or METRICS_TOKEN) on the routes that need it. Compares
 * SHA-256 digests with {@link MessageDigest#isEqual}, so neither the token's content nor its length leaks through
 * timing. Never logs or echoes the header. Immutable and thread-safe.
 */
public final class BearerAuth {
    private static final String SCHEME = "Bearer ";
    private final byte[] expected;
    private final String name;

    /** @param name the security scheme's name in {@code /openapi.json}, e.g. {@code bearer} */
    public BearerAuth(String token, String name) {
        this.expected = sha256(token);
        this.name = name;
    }

    /** The security scheme's name in {@code /openapi.json}. */
    public String name() {
        return name;
    }

    /** @throws ApiError 401 when the header is missing, not a bearer token or not the token */
    public void check(Context ctx) {
        String header = ctx.header("Authorization");
        boolean ok = header != null && header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
                && MessageDigest.isEqual(sha256(header.substring(SCHEME.length()).strip()), expected);
        if (!ok) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiError(401, "unauthorized", header == null
                    ? "this route needs an Authorization: Bearer token"
                    : "the bearer token is not valid", Map.of());
        }
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
