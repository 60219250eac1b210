package io.tradingdesk.api.routes;

import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tradingdesk.api.http.Input;
import io.tradingdesk.api.http.Json;
import io.tradingdesk.api.http.RouteSpec;
import io.tradingdesk.api.http.Schema;
import io.tradingdesk.api.model.Health;
import io.tradingdesk.api.model.Readiness;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.HealthProbe;
import io.tradingdesk.db.PoolStats;
import io.tradingdesk.db.ReadRoutingStats;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Operational routes (the probes are public; {@code /metrics} has a token of its own, METRICS_TOKEN): liveness (never touches the database, so a slow database does not get the process killed),
 * readiness (migrations applied and the probe answers), the detailed health with pool counters, and the Prometheus
 * scrape. Probes use {@link Database#probe()}, which has its own short timeout and skips the waiting queue, so they
 * answer even while user traffic exhausts the pool. Thread-safe.
 */
public final class HealthRoutes {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final Database database;
    private final PrometheusMeterRegistry registry;
    private final BooleanSupplier migrated;
    /** How recent a successful statement must be to stand for a readiness probe. */
    private static final Duration READY_FRESHNESS = Duration.ofSeconds(2);

    private final BooleanSupplier draining;
    // Liveness always says the same: written once (the balancers and the orchestrator ask it all the time).
    private final byte[] liveBody;
    private final String version;
    private final Json json;
    // ProcessHandle is in java.base: no java.management module just for the start time.
    private final Instant started = ProcessHandle.current().info().startInstant().orElseGet(Instant::now);

    /**
     * @param migrated true once migrations were applied; readiness is 503 before
     * @param draining true once the instance drains before a stop; readiness is 503 from then on
     */
    public HealthRoutes(Database database, PrometheusMeterRegistry registry, BooleanSupplier migrated,
                        BooleanSupplier draining, String version, Json json) {
        this.database = database;
        this.registry = registry;
        this.migrated = migrated;
        this.draining = draining;
        this.liveBody = json.bytes(new Readiness("up", null, null));
        this.version = version;
        this.json = json;
    }

    public List<RouteSpec> routes() {
        var acquire = Schema.object(List.of("p50", "p95", "p99"),
                "p50", Schema.decimal(), "p95", Schema.decimal(), "p99", Schema.decimal());
        var pool = Schema.object(List.of(), "min", Schema.integer(), "max", Schema.integer(), "total", Schema.integer(),
                "active", Schema.integer(), "idle", Schema.integer(), "waiting", Schema.integer(),
                "refused", Schema.integer(), "created", Schema.integer(), "closed", Schema.integer(),
                "closedByReason", Schema.mapOf(Schema.integer()), "retired", Schema.integer(),
                "reuseRate", Schema.decimal(), "acquireMs", acquire, "acquireTimeouts", Schema.integer(),
                "acquisitions", Schema.integer(), "queries", Schema.integer());
        var readPool = Schema.object(List.of("host", "up", "standby", "replayed", "lagSeconds", "lagBytes", "pool"),
                "host", Schema.string("host:port of DATABASE_READ_URL"),
                "up", Schema.bool(), "standby", Schema.bool(),
                "replayed", Schema.string("WAL position replayed (PostgreSQL's text form)"),
                "lagSeconds", Schema.decimal(), "lagBytes", Schema.integer(), "pool", pool);
        var readRouting = Schema.object(List.of("replica", "primaryByToken", "primaryByLag", "primaryByReplicaDown"),
                "replica", Schema.integer(), "primaryByToken", Schema.integer(), "primaryByLag", Schema.integer(),
                "primaryByReplicaDown", Schema.integer());
        var health = Schema.object(List.of("status", "database", "pool", "poolMode", "version", "uptimeSeconds"),
                "status", Schema.enumOf("up", "down"),
                "database", Schema.object(List.of("reachable", "roundTripMs"),
                        "reachable", Schema.bool(), "roundTripMs", Schema.decimal()),
                "pool", pool, "poolMode", Schema.enumOf("pooled", "direct"),
                "version", Schema.string("APP_VERSION"), "uptimeSeconds", Schema.integer(),
                "readPools", Schema.array(readPool), "readRouting", readRouting);
        var ready = Schema.object(List.of("status"), "status", Schema.string("up, ready, not_ready or draining"),
                "migrated", Schema.bool(), "databaseReachable", Schema.bool(), "readsOnly", Schema.bool());
        return List.of(
                RouteSpec.get("/api/health", "Database reachability, pool counters, version; with replicas also the "
                        + "read pools and where reads went; 503 when the primary does not answer")
                        .returns(200, health).returns(503, health).handle(this::health),
                RouteSpec.get("/health/live", "Liveness: the process serves HTTP (never touches the database)")
                        .publicAccess().returns(200, ready).handle(this::live),
                RouteSpec.get("/health/ready", "Readiness: migrations applied, the database answers (or, while the "
                                + "primary does not, a replica: readsOnly) and the instance is not draining before a "
                                + "stop; else 503")
                        .publicAccess().returns(200, ready).returns(503, ready).handle(this::ready),
                RouteSpec.get("/metrics", "Prometheus text format: JVM, HTTP and pool meters")
                        .metricsAccess().produces("text/plain")
                        .returns(200, Schema.string("Prometheus exposition format 0.0.4")).handle(this::metrics));
    }

    private void health(Context ctx, Input in) {
        HealthProbe probe = database.probe();
        PoolStats stats = database.stats();
        ReadRoutingStats routing = database.readRouting().orElse(null);
        var body = new Health(probe.up() ? "up" : "down",
                new Health.DatabaseHealth(probe.up(), Math.round(probe.roundTripMillis() * 100) / 100.0),
                pool(stats), stats.mode(), version, Duration.between(started, Instant.now()).toSeconds(),
                routing == null ? null : routing.replicas().stream().map(HealthRoutes::readPool).toList(),
                routing == null ? null : readRouting(routing));
        json.write(ctx, probe.up() ? 200 : 503, body);
    }

    private void live(Context ctx, Input in) {
        json.writeBytes(ctx, 200, liveBody);
    }

    private void ready(Context ctx, Input in) {
        if (draining.getAsBoolean()) {
            // Before any probe: a draining instance leaves the balancer's rotation whatever the database says.
            json.write(ctx, 503, new Readiness("draining", null, null));
            return;
        }
        boolean schema = migrated.getAsBoolean();
        // No probe before the schema is there: not ready either way, and it spares the database during startup.
        // Under load, the traffic of the last seconds answers for the database (Database.readiness).
        HealthProbe probe = schema ? database.readiness(READY_FRESHNESS) : null;
        // Busy is not unready: a balancer that takes a saturated instance out moves its load onto the others, which
        // then time out as well (ScaleOutIT saw all three instances DOWN at once). Unreachable is unready.
        boolean reachable = probe != null && (probe.up() || probe.busy());
        if (!reachable && schema && database.replicaAnswers()) {
            // The primary is gone (a failover is under way) but a replica answers: reads go on, writes get 503 from
            // here. Out of a balancer's rotation, the reads would fail too.
            json.write(ctx, 200, new Readiness("ready", true, true, true));
            return;
        }
        json.write(ctx, reachable ? 200 : 503, new Readiness(reachable ? "ready" : "not_ready", schema, reachable));
    }

    private void metrics(Context ctx, Input in) {
        ctx.status(200).contentType(PROMETHEUS_TEXT).result(registry.scrape());
    }

    private static Map<String, Object> readPool(ReadRoutingStats.Replica replica) {
        var out = new LinkedHashMap<String, Object>();
        out.put("host", replica.host());
        out.put("up", replica.up());
        out.put("standby", replica.standby());
        out.put("replayed", replica.replayed());
        out.put("lagSeconds", replica.lagSeconds());
        out.put("lagBytes", replica.lagBytes());
        out.put("pool", pool(replica.pool()));
        return out;
    }

    private static Map<String, Long> readRouting(ReadRoutingStats routing) {
        var out = new LinkedHashMap<String, Long>();
        out.put("replica", routing.replica());
        out.put("primaryByToken", routing.primaryByToken());
        out.put("primaryByLag", routing.primaryByLag());
        out.put("primaryByReplicaDown", routing.primaryByReplicaDown());
        return out;
    }

    private static Map<String, Object> pool(PoolStats s) {
        var pool = new LinkedHashMap<String, Object>();
        pool.put("min", s.minSize());
        pool.put("max", s.maxSize());
        pool.put("total", s.total());
        pool.put("active", s.active());
        pool.put("idle", s.idle());
        pool.put("waiting", s.waiting());
        pool.put("refused", s.refused());
        pool.put("created", s.created());
        pool.put("closed", s.closed());
        pool.put("closedByReason", s.closedByReason());
        pool.put("retired", s.retired());
        pool.put("reuseRate", s.reuseRate());
        pool.put("acquireMs", Map.of("p50", s.acquireP50Millis(), "p95", s.acquireP95Millis(), "p99", s.acquireP99Millis()));
        pool.put("acquireTimeouts", s.acquireTimeouts());
        pool.put("acquisitions", s.acquisitions());
        pool.put("queries", s.queries());
        return pool;
    }
}
