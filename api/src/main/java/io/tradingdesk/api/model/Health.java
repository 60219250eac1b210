package io.tradingdesk.api.model;

import java.util.Map;

/**
 * {@code GET /api/health}: status "up" or "down" (the database probe), the probe's round trip, the pool's
 * counters (see the db module's PoolStats) and the process uptime.
 */
public record Health(String status, DatabaseHealth database, Map<String, Object> pool, String poolMode,
                     String version, long uptimeSeconds) {

    public record DatabaseHealth(boolean reachable, double roundTripMs) {
    }
}
