package io.tradingdesk.testkit;

/**
 * One HTTP exchange as a test saw it. {@code status} is the HTTP status, or {@link #TIMEOUT} when the client gave up
 * waiting, or {@link #IO_ERROR} when the connection failed (reset, refused).
 *
 * @param status      HTTP status or one of the negative markers
 * @param body        the response body (empty when none), or the exception's description
 * @param retryAfter  the Retry-After header, or null
 * @param contentType the Content-Type header, or null
 * @param nanos       from just before sending to the last byte of the body
 */
public record Reply(int status, String body, String retryAfter, String contentType, long nanos) {
    public static final int TIMEOUT = -1;
    public static final int IO_ERROR = -2;

    public boolean ok() {
        return status >= 200 && status < 300;
    }

    public boolean serverError() {
        return status >= 500;
    }

    public boolean failedInTransport() {
        return status < 0;
    }

    public long millis() {
        return nanos / 1_000_000;
    }

    @Override
    public String toString() {
        String shown = body.length() > 300 ? body.substring(0, 300) + "..." : body;
        return status + " in " + millis() + " ms" + (retryAfter == null ? "" : " (Retry-After " + retryAfter + ")")
                + ": " + shown;
    }
}
