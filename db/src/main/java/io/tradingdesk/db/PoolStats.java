package io.tradingdesk.db;

import java.util.Map;

/**
 * One consistent-enough snapshot of the pool (counters are read one after another, not under a lock).
 * Immutable. Durations are in milliseconds so the record serialises to JSON as plain numbers.
 *
 * @param mode             pooled or direct
 * @param minSize          DB_MIN_POOL_SIZE
 * @param maxSize          DB_MAX_POOL_SIZE
 * @param total            physical connections open now
 * @param active           connections lent out now
 * @param idle             connections in the pool now
 * @param waiting          callers waiting for a connection now
 * @param refused          callers refused at once because DB_MAX_WAITING were already waiting, since start
 * @param acquireTimeouts  callers that got no connection within DB_ACQUIRE_TIMEOUT, since start
 * @param acquisitions     connections handed out, since start
 * @param created          physical connections opened, since start
 * @param closed           physical connections closed, since start
 * @param closedByReason   closed connections by reason: max_lifetime, idle, max_queries, broken, evicted, shutdown, direct
 * @param retired          connections closed on purpose while healthy (max_lifetime + idle + max_queries)
 * @param queries          statements run through the helpers, since start
 * @param reuseRate        1 - created / acquisitions (0 when nothing was acquired yet)
 * @param acquireP50Millis median time to get a connection, over the last minutes
 * @param acquireP95Millis 95th percentile
 * @param acquireP99Millis 99th percentile
 */
public record PoolStats(
        String mode,
        int minSize,
        int maxSize,
        int total,
        int active,
        int idle,
        int waiting,
        long refused,
        long acquireTimeouts,
        long acquisitions,
        long created,
        long closed,
        Map<String, Long> closedByReason,
        long retired,
        long queries,
        double reuseRate,
        double acquireP50Millis,
        double acquireP95Millis,
        double acquireP99Millis) {

    public PoolStats {
        closedByReason = Map.copyOf(closedByReason);
    }
}
