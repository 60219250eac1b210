package io.tradingdesk.db;

/** How the db module obtains connections ({@code DB_POOL_MODE}). */
public enum PoolMode {
    /** One HikariCP pool shared by every caller (the default). */
    POOLED,
    /**
     * A new physical connection for every query, closed right after: the reference report's "before" architecture,
     * kept so that the comparison can be measured on the user's own database. Not for production.
     */
    DIRECT
}
