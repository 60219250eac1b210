package io.tradingdesk.api.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The invalid fields of one request, collected instead of stopping at the first, so that a client learns about all
 * its mistakes in one 400. Names carry a prefix inside arrays ({@code [3].low}); the first reason given for a name
 * wins. Not thread-safe: one instance per request.
 */
public final class Problems {
    private final Map<String, String> reasons;
    private final String prefix;

    Problems() {
        this(new LinkedHashMap<>(), "");
    }

    private Problems(Map<String, String> reasons, String prefix) {
        this.reasons = reasons;
        this.prefix = prefix;
    }

    /** Records that {@code name} is invalid because of {@code reason}; returns {@code null} for the caller's value. */
    public <T> T add(String name, String reason) {
        reasons.putIfAbsent(prefix + name, reason);
        return null;
    }

    /** The problems of one element of an array body share this list, their names prefixed with {@code [index].}. */
    Problems element(int index) {
        return new Problems(reasons, prefix + "[" + index + "].");
    }

    /** How many problems were recorded so far, in this request (all prefixes). */
    int size() {
        return reasons.size();
    }

    /** @throws ApiError 400 naming every invalid field, when there is one */
    void throwIfAny() {
        if (!reasons.isEmpty()) {
            throw ApiError.invalidFields(reasons);
        }
    }
}
