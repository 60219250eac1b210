package io.tradingdesk.db.internal;

import java.sql.Connection;
import java.time.Duration;

/** Where the query helpers get connections: the pool, or a new physical connection per query (direct mode). */
public interface ConnectionSource {

    /** A connection within DB_ACQUIRE_TIMEOUT; throws a {@code DbException} subtype the caller can act on. */
    Connection acquire();

    /** A connection within {@code timeout} at most, bypassing the waiting bound: for health probes. */
    Connection acquire(Duration timeout);

    /** Gives the connection back (retiring it when it has served DB_MAX_QUERIES). Never throws. */
    void release(Connection connection);

    /** Retires every idle connection now and every lent one when it comes back (after the server restarted). */
    void evictAll();

    int total();

    int active();

    int idle();

    int waiting();

    /** Waits up to {@code grace} for lent connections to come back, then closes everything. */
    void close(Duration grace);
}
