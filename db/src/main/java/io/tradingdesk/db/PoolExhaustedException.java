package io.tradingdesk.db;

/**
 * No connection could be handed out: either none became free within {@code DB_ACQUIRE_TIMEOUT}, or more than
 * {@code DB_MAX_WAITING} callers were already waiting and this one was refused at once. Retrying later may succeed,
 * which is why the HTTP layer answers 503 with {@code Retry-After}.
 */
public final class PoolExhaustedException extends DbException {
    /** Why the caller got no connection. */
    public enum Reason { ACQUIRE_TIMEOUT, TOO_MANY_WAITING }

    private final Reason reason;

    public PoolExhaustedException(Reason reason, String message, Throwable cause) {
        super(message, null, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
