package io.tradingdesk.loadtest;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measured load run of one server mode, with what the server and PostgreSQL spent on it. CPU figures are
 * cores (CPU seconds per wall-clock second) over the run; {@code NaN} when not measurable (e.g. PostgreSQL's on a
 * server given by BENCH_DATABASE_URL). Pool counters are the run's deltas from {@code /api/health} and
 * {@code /metrics}; {@code pool} is the health snapshot taken right after the run. Immutable.
 *
 * @param mode             direct or pooled
 * @param name             what the run was for: "simple", "stress", "sweep", "round 3", ...
 * @param workload         the request mix
 * @param result           the driver's numbers
 * @param acquisitions     connections handed out during the run
 * @param created          physical connections opened during the run (connection setups)
 * @param acquireAvgMillis mean time to get a connection during the run
 * @param acquireP99BoundMillis upper bound of the histogram bucket holding the run's p99 acquire time (NaN if unknown)
 * @param pool             the pool section of /api/health after the run
 * @param serverCores      the server process's CPU use
 * @param postgresCores    the PostgreSQL cluster's CPU use (postmaster, backends, exited backends)
 * @param clientCores      the load generator's CPU use (this JVM and the wrk/k6 processes it waited for)
 * @param otherCores       CPU used by everything else on the machine meanwhile (busy CPU of /proc/stat minus the
 *                         three above): anything well above zero means the numbers were disturbed
 */
record Measurement(String mode, String name, Workload workload, LoadResult result, double acquisitions,
                   double created, double acquireAvgMillis, double acquireP99BoundMillis, Map<String, Object> pool,
                   double serverCores,
                   double postgresCores, double clientCores, double otherCores) {

    Measurement {
        pool = Collections.unmodifiableMap(new LinkedHashMap<>(pool)); // JSON nulls allowed
    }

    /** 1 - created / acquisitions over this run: the share of queries that reused an open connection. */
    double reuseRate() {
        return acquisitions > 0 ? Math.max(0, 1 - created / acquisitions) : Double.NaN;
    }

    /**
     * A number of the pool snapshot; the acquire percentiles are read as {@code acquireP99Millis} (PoolStats' name)
     * or {@code acquireMs.p99} (the shape /api/health nests them in).
     */
    double poolNumber(String key) {
        double v = Json.number(pool, key);
        if (Double.isNaN(v) && key.startsWith("acquireP") && key.endsWith("Millis")) {
            v = Json.number(pool, "acquireMs." + key.substring("acquire".length(), key.length() - "Millis".length())
                    .toLowerCase(java.util.Locale.ROOT));
        }
        return v;
    }

    Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("mode", mode);
        m.put("name", name);
        m.put("workload", workload.label());
        m.put("route", workload.route());
        m.put("result", result.toMap());
        m.put("acquisitions", acquisitions);
        m.put("connectionsCreated", created);
        m.put("reuseRate", reuseRate());
        m.put("acquireAvgMillis", acquireAvgMillis);
        m.put("acquireP99BoundMillis", acquireP99BoundMillis);
        m.put("serverCores", serverCores);
        m.put("postgresCores", postgresCores);
        m.put("clientCores", clientCores);
        m.put("otherCores", otherCores);
        m.put("poolAfter", new LinkedHashMap<>(pool));
        return m;
    }
}
