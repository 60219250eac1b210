package io.tradingdesk.db;

/** A write broke an integrity constraint. {@link #constraint()} names it, so callers can tell which rule failed. */
public final class ConstraintViolationException extends DbException {
    /** The kind of constraint, from the SQLSTATE (23505, 23503, 23514, 23502, 23P01). */
    public enum Kind { UNIQUE, FOREIGN_KEY, CHECK, NOT_NULL, EXCLUSION }

    private final Kind kind;
    private final String constraint;

    public ConstraintViolationException(Kind kind, String constraint, String message, String sqlState, Throwable cause) {
        super(message, sqlState, cause);
        this.kind = kind;
        this.constraint = constraint;
    }

    public Kind kind() {
        return kind;
    }

    /** The constraint's name as the server reported it; may be {@code null} for NOT NULL violations on old servers. */
    public String constraint() {
        return constraint;
    }
}
