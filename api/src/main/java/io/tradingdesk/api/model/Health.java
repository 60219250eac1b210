package io.tradingdesk.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/health}: status "up" or "down" (the database probe), the probe's round trip, the pool's
 * counters (see the db module's PoolStats) and the process uptime; with {@code DATABASE_READ_URL} also every read
 * pool with its replica's state, and where plain reads went (both left out otherwise).
 */
public record Health(String status, DatabaseHealth database, Map<String, Object> pool, String poolMode,
                     String version, long uptimeSeconds,
                     @JsonInclude(JsonInclude.Include.NON_NULL) List<Map<String, Object>> readPools,
                     @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Long> readRouting) {

    public record DatabaseHealth(boolean reachable, double roundTripMs) {
    }
}
