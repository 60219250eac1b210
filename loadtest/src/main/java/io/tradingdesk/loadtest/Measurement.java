package io.tradingdesk.loadtest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One measured load run of one server mode, with what the server and PostgreSQL spent on it. CPU figures are
 * cores (CPU seconds per wall-clock second) over the run; {@code NaN} when not measurable (e.g. PostgreSQL's on a
 * server given by BENCH_DATABASE_URL). Pool counters are the run's deltas from {@code /api/health} and
 * {@code /metrics}; {@code pool} is the health snapshot taken right after the run. Immutable (nothing modifies the
 * pool snapshot once it is read).
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
                   double created, double acquireAvgMillis, double acquireP99BoundMillis, JsonNode pool,
                   double serverCores, double postgresCores, double clientCores, double otherCores) {

    /**
     * The server's CPU per request over this run, in microseconds: its CPU seconds between the probes around the run
     * (from /proc) over the requests completed, i.e. cores / (requests / second). NaN without requests.
     */
    double serverCpuMicrosPerRequest() {
        double rate = result.throughput();
        return rate > 0 ? serverCores / rate * 1e6 : Double.NaN;
    }

    /** 1 - created / acquisitions over this run: the share of queries that reused an open connection. */
    double reuseRate() {
        return acquisitions > 0 ? Math.max(0, 1 - created / acquisitions) : Double.NaN;
    }

    /** A number of the pool snapshot ({@code "total"}, {@code "refused"}, ...), {@code NaN} when it has none. */
    double poolNumber(String key) {
        return poolNumber(pool, key);
    }

    /** A number of a pool section of {@code /api/health}, {@code NaN} when it is missing or not a number. */
    static double poolNumber(JsonNode pool, String key) {
        JsonNode value = pool.get(key);
        return value != null && value.isNumber() ? value.doubleValue() : Double.NaN;
    }
}
