package io.tradingdesk.db.internal;

import io.tradingdesk.db.ConstraintViolationException;
import io.tradingdesk.db.DatabaseUnavailableException;
import io.tradingdesk.db.DbException;
import io.tradingdesk.db.StatementTimeoutException;
import java.sql.SQLException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Turns driver failures into the few exceptions callers act on. Only SQLSTATEs with a distinct remedy get a type of
 * their own; everything else is a plain {@link DbException} carrying its SQLSTATE.
 */
public final class SqlErrors {
    private SqlErrors() {
    }

    /** The first SQLException in the cause chain, or {@code null}. */
    public static SQLException sqlCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }

    public static DbException translate(Throwable e) {
        if (e instanceof DbException db) {
            return db;
        }
        SQLException sql = sqlCause(e);
        if (sql == null) {
            return new DbException("database call failed: " + e.getClass().getSimpleName() + ": " + e.getMessage(), null, e);
        }
        String state = sql.getSQLState() == null ? "" : sql.getSQLState();
        String described = describe(sql);
        if (state.equals("57014")) {
            return new StatementTimeoutException("statement cancelled: it ran past DB_COMMAND_TIMEOUT (" + described + ")",
                    state, e);
        }
        if (state.startsWith("23")) {
            var kind = switch (state) {
                case "23505" -> ConstraintViolationException.Kind.UNIQUE;
                case "23503" -> ConstraintViolationException.Kind.FOREIGN_KEY;
                case "23514" -> ConstraintViolationException.Kind.CHECK;
                case "23502" -> ConstraintViolationException.Kind.NOT_NULL;
                case "23P01" -> ConstraintViolationException.Kind.EXCLUSION;
                default -> null;
            };
            if (kind != null) {
                String constraint = constraintOf(sql);
                return new ConstraintViolationException(kind, constraint, "constraint violated: "
                        + (constraint == null ? kind.name().toLowerCase() : constraint) + " (" + described + ")", state, e);
            }
        }
        if (isConnectionFailure(state)) {
            return unavailable("database unavailable (" + described + ")", e);
        }
        if (isReadOnlyServer(state)) {
            // Nothing was written: the server refused before changing anything. It is no longer (or not yet) the
            // primary, so the pool has to find the one that is; the caller may retry.
            return unavailable("the server is read-only, not the primary (" + described + ")", e);
        }
        return new DbException("statement failed (" + described + ")", state, e);
    }

    static DatabaseUnavailableException unavailable(String message, Throwable cause) {
        SQLException sql = sqlCause(cause);
        return new DatabaseUnavailableException(message, sql == null ? null : sql.getSQLState(), cause);
    }

    /**
     * Connection-level failures: I/O errors (class 08), the server shutting down or refusing (57P01..57P03), and
     * "too many connections" (53300).
     */
    public static boolean isConnectionFailure(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57P01") || sqlState.equals("57P02")
                || sqlState.equals("57P03") || sqlState.equals("53300"));
    }

    /** The server terminated our session on purpose (pg_terminate_backend, restart): its siblings are likely gone too. */
    public static boolean isServerShutdown(String sqlState) {
        return "57P01".equals(sqlState) || "57P02".equals(sqlState) || "57P03".equals(sqlState);
    }

    /**
     * 25006 (read_only_sql_transaction): a write reached a server that is read-only: a standby, a demoted or
     * restarted old primary, or a primary set to {@code default_transaction_read_only} (pg_auto_failover's
     * draining state). Every connection of the pool most likely reaches that same server.
     */
    public static boolean isReadOnlyServer(String sqlState) {
        return "25006".equals(sqlState);
    }

    /** The socket itself failed (08006 I/O error, 08003 connection gone), not an error the peer sent. */
    public static boolean isBrokenSocket(String sqlState) {
        return "08006".equals(sqlState) || "08003".equals(sqlState);
    }

    public static boolean isRetryableTransactionFailure(String sqlState) {
        return "40001".equals(sqlState) || "40P01".equals(sqlState);
    }

    /** SQLSTATE and the server's primary message; pgjdbc never puts the password in either. */
    public static String describe(SQLException e) {
        String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        if (e instanceof PSQLException psql && psql.getServerErrorMessage() != null) {
            ServerErrorMessage server = psql.getServerErrorMessage();
            message = server.getMessage();
        }
        return "SQLSTATE " + e.getSQLState() + ": " + message;
    }

    private static String constraintOf(SQLException e) {
        if (e instanceof PSQLException psql && psql.getServerErrorMessage() != null) {
            String constraint = psql.getServerErrorMessage().getConstraint();
            if (constraint == null && "23502".equals(e.getSQLState())) {
                constraint = psql.getServerErrorMessage().getColumn();
            }
            return constraint;
        }
        return null;
    }
}
