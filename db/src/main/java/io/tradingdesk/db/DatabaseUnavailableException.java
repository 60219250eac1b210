package io.tradingdesk.db;

/** The database could not be reached (connection refused, broken, server shutting down). Retrying later may succeed. */
public final class DatabaseUnavailableException extends DbException {
    public DatabaseUnavailableException(String message, String sqlState, Throwable cause) {
        super(message, sqlState, cause);
    }
}
