package io.tradingdesk.api.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure the client can act on, with its HTTP status, a stable machine-readable code, a message for people and
 * details (which fields, which ids). Thrown by handlers, turned into the one error body by {@link ErrorMapper}.
 * Messages never carry secrets, SQL or class names. Immutable.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, Object> details;

    public ApiError(int status, String code, String message, Map<String, ?> details) {
        // No stack trace: these are expected outcomes, and they are thrown on hot paths.
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details == null ? Map.of() : new LinkedHashMap<>(details);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Map<String, Object> details() {
        return details;
    }

    public static ApiError badRequest(String message, Map<String, ?> details) {
        return new ApiError(400, "bad_request", message, details);
    }

    /** 400 naming every invalid field and why: {@code details.fields = {name: reason}}. */
    public static ApiError invalidFields(Map<String, String> fields) {
        int n = fields.size();
        return badRequest(n == 1 ? "1 invalid field: " + fields.keySet().iterator().next()
                : n + " invalid fields: " + String.join(", ", fields.keySet()), Map.of("fields", fields));
    }

    public static ApiError invalidField(String field, String reason) {
        return invalidFields(Map.of(field, reason));
    }

    public static ApiError notFound(String message, Map<String, ?> details) {
        return new ApiError(404, "not_found", message, details);
    }

    public static ApiError conflict(String message, Map<String, ?> details) {
        return new ApiError(409, "conflict", message, details);
    }

    public static ApiError unprocessable(String message, Map<String, ?> details) {
        return new ApiError(422, "unprocessable", message, details);
    }
}
