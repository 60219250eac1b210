package io.tradingdesk.db;

/** Transaction isolation, set per transaction (never per session, so the pool stays PgBouncer-safe). */
public enum Isolation {
    READ_COMMITTED("READ COMMITTED"),
    REPEATABLE_READ("REPEATABLE READ"),
    SERIALIZABLE("SERIALIZABLE");

    final String sql;

    Isolation(String sql) {
        this.sql = sql;
    }
}
