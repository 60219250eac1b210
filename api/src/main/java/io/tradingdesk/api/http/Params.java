package io.tradingdesk.api.http;

import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/** Path and query parameters, validated; a bad value is a 400 naming the parameter. Stateless. */
public final class Params {
    /** Instrument symbols, as the schema's CHECK constraint has them. */
    public static final Pattern SYMBOL = Pattern.compile("^[A-Z0-9][A-Z0-9._-]{0,31}$");
    /** Positive ids as PostgreSQL bigint identity columns hand them out (at most 18 digits, so no overflow). */
    public static final Pattern ID = Pattern.compile("[1-9][0-9]{0,17}");
    public static final String SYMBOL_RULE = "must match ^[A-Z0-9][A-Z0-9._-]{0,31}$ (upper-case letters, digits, . _ -)";

    private Params() {
    }

    public static long id(Context ctx, String name) {
        String raw = ctx.pathParam(name);
        if (!ID.matcher(raw).matches()) {
            throw ApiError.invalidField(name, "must be a positive integer id");
        }
        return Long.parseLong(raw);
    }

    public static String symbolPath(Context ctx, String name) {
        String raw = ctx.pathParam(name);
        if (!SYMBOL.matcher(raw).matches()) {
            throw ApiError.invalidField(name, SYMBOL_RULE);
        }
        return raw;
    }

    public static int limit(Context ctx, int fallback, int max) {
        String raw = ctx.queryParam("limit");
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        try {
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiError.invalidField("limit", "must be an integer in 1.." + max);
    }

    public static Instant instant(Context ctx, String name) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(raw);
        } catch (DateTimeParseException e) {
            throw ApiError.invalidField(name, "must be an ISO-8601 instant such as 2024-01-31T00:00:00Z");
        }
    }

    public static String text(Context ctx, String name, int maxLength) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        if (raw.length() > maxLength) {
            throw ApiError.invalidField(name, "must be at most " + maxLength + " characters");
        }
        return raw;
    }

    public static String symbolQuery(Context ctx) {
        String raw = text(ctx, "symbol", 32);
        if (raw != null && !SYMBOL.matcher(raw).matches()) {
            throw ApiError.invalidField("symbol", SYMBOL_RULE);
        }
        return raw;
    }
}
