package io.tradingdesk.db;

/** The server cancelled a statement that ran past {@code DB_COMMAND_TIMEOUT} (SQLSTATE 57014). The connection stays usable. */
public final class StatementTimeoutException extends DbException {
    public StatementTimeoutException(String message, String sqlState, Throwable cause) {
        super(message, sqlState, cause);
    }
}
