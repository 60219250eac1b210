package io.tradingdesk.db;

import java.util.List;

/**
 * Where plain reads went since start, and each replica as the monitor sees it now (read from memory, no round trip).
 * Immutable.
 *
 * @param replica              reads a replica served
 * @param primaryByToken       reads sent to the primary because no replica had replayed their consistency token
 * @param primaryByLag         reads sent to the primary because every replica that answers lagged by more than
 *                             DB_READ_MAX_LAG (or cancelled the read in a conflict with recovery)
 * @param primaryByReplicaDown reads sent to the primary because no replica answered (or the one chosen failed)
 * @param replicas             every host of DATABASE_READ_URL, in its order
 */
public record ReadRoutingStats(long replica, long primaryByToken, long primaryByLag, long primaryByReplicaDown,
                               List<Replica> replicas) {

    public ReadRoutingStats {
        replicas = List.copyOf(replicas);
    }

    /**
     * One host of DATABASE_READ_URL.
     *
     * @param host       host:port
     * @param up         its latest probe answered (and is recent)
     * @param standby    in recovery (a replica); false when the host is a primary (e.g. promoted by a failover)
     * @param replayed   the WAL position it has replayed, in PostgreSQL's text form
     * @param lagSeconds how long the primary has had WAL it has not replayed (0 when caught up)
     * @param lagBytes   how much WAL it is behind the primary's latest known position
     * @param pool       its read pool
     */
    public record Replica(String host, boolean up, boolean standby, String replayed, double lagSeconds, long lagBytes,
                          PoolStats pool) {
    }
}
