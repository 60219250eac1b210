package io.tradingdesk.db;

/**
 * Base of every failure the db module reports. Unchecked, so that callers handle only what they can act on.
 * Messages carry pool and statement state for diagnosis, never parameter values, passwords or URLs with credentials.
 */
public class DbException extends RuntimeException {
    private final String sqlState;

    public DbException(String message, String sqlState, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
    }

    /** The SQLSTATE of the underlying failure, or {@code null} when there was none (for example a pool timeout). */
    public String sqlState() {
        return sqlState;
    }
}
