package io.tradingdesk.db;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tradingdesk.db.internal.ReplicaMonitor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, for each plain read, which replica of {@code DATABASE_READ_URL} may serve it, from what the
 * {@link ReplicaMonitor} last saw (memory only: no round trip on the request path). A replica qualifies when it
 * answers, has replayed the read's consistency token (if any), and lags by at most {@code DB_READ_MAX_LAG}; the lag
 * is not held against it while the primary itself does not answer (during a failover the replicas are all there is).
 * Replicas in recovery come first; a host of the URL that is a primary (promoted) serves only when none does. When
 * nothing qualifies the read goes to the primary, never to an error. Every decision is counted
 * ({@code db.pool.reads.routed}). Thread-safe.
 */
final class ReadRouter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReadRouter.class);

    /** Where a read went, as the {@code route} tag of {@code db.pool.reads.routed} says it. */
    enum Route {
        REPLICA("replica"), PRIMARY_TOKEN("primary_token"), PRIMARY_LAG("primary_lag"),
        PRIMARY_DOWN("primary_down");

        final String tag;

        Route(String tag) {
            this.tag = tag;
        }
    }

    /** {@link #choose} answers this (never a pool index) when the primary must serve. */
    static final int PRIMARY = -1;

    private final List<String> hosts;
    private final List<Database> pools;
    private final ReplicaMonitor monitor;
    private final long maxLagNanos;
    private final LongAdder[] routed = new LongAdder[Route.values().length];

    private ReadRouter(List<String> hosts, List<Database> pools, ReplicaMonitor monitor, long maxLagNanos) {
        this.hosts = hosts;
        this.pools = pools;
        this.monitor = monitor;
        this.maxLagNanos = maxLagNanos;
        for (int i = 0; i < routed.length; i++) {
            routed[i] = new LongAdder();
        }
    }

    /**
     * Opens a read pool per host of {@code DATABASE_READ_URL} (without waiting for any: a replica that is down at
     * start-up is simply not used until it answers) and starts the monitor.
     */
    static ReadRouter open(DbConfig config, MeterRegistry registry) {
        ReadPoolConfig read = config.readPool();
        List<String> hosts = read.url().hosts();
        var names = new ArrayList<String>();
        var pools = new ArrayList<Database>();
        ReplicaMonitor monitor = null;
        try {
            for (int i = 0; i < hosts.size(); i++) {
                String name = poolName(config.applicationName(), hosts.size() == 1 ? "" : "-" + (i + 1));
                names.add(name);
                pools.add(Database.openReplica(config.readPoolFor(hosts.get(i), name), registry));
            }
            monitor = new ReplicaMonitor(config, hosts, names).start();
            var router = new ReadRouter(List.copyOf(hosts), List.copyOf(pools), monitor, read.maxLag().toNanos());
            router.register(registry, config.applicationName(), names);
            LOG.info("read routing: {} replica(s) {}, DB_READ_MAX_LAG={} ms; writes, transactions and reads that"
                    + " must see their own writes stay on the primary", hosts.size(), hosts,
                    read.maxLag().toMillis());
            return router;
        } catch (RuntimeException e) {
            if (monitor != null) {
                monitor.close();
            }
            pools.forEach(Database::close);
            throw e;
        }
    }

    private static String poolName(String applicationName, String suffix) {
        String tail = "-read" + suffix;
        return (applicationName.length() + tail.length() <= 63 ? applicationName
                : applicationName.substring(0, 63 - tail.length())) + tail;
    }

    private void register(MeterRegistry registry, String primaryPool, List<String> names) {
        for (Route route : Route.values()) {
            FunctionCounter.builder("db.pool.reads.routed", routed[route.ordinal()], LongAdder::sum)
                    .tag("pool", primaryPool).tag("route", route.tag)
                    .description("Plain reads by where they went: a replica, or the primary and why")
                    .register(registry);
        }
        for (int i = 0; i < names.size(); i++) {
            int index = i;
            Gauge.builder("db.pool.replica.up", () -> monitor.state(index).usable(System.nanoTime()) ? 1 : 0)
                    .tag("pool", names.get(i)).description("1 when the replica answers its probe")
                    .strongReference(true).register(registry);
            Gauge.builder("db.pool.replica.lag.seconds", () -> monitor.state(index).lagNanos() / 1e9)
                    .tag("pool", names.get(i))
                    .description("How long the primary has had WAL the replica has not replayed (0 when caught up)")
                    .strongReference(true).register(registry);
            Gauge.builder("db.pool.replica.lag.bytes", () -> monitor.state(index).lagBytes())
                    .tag("pool", names.get(i)).description("WAL bytes the replica is behind the primary")
                    .strongReference(true).register(registry);
        }
    }

    /**
     * The read pool that may serve a read needing {@code atLeast} ({@code null}: bounded staleness only), or
     * {@link #PRIMARY} (counted with its reason). A replica's own outcome is counted by the caller.
     */
    int choose(WalPosition atLeast) {
        long now = System.nanoTime();
        boolean primaryUp = monitor.primaryUp(now);
        int n = pools.size();
        int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
        int promoted = PRIMARY;
        boolean anyUp = false;
        boolean behindToken = false;
        for (int k = 0; k < n; k++) {
            int i = start + k < n ? start + k : start + k - n;
            ReplicaMonitor.HostState state = monitor.state(i);
            if (!state.usable(now)) {
                continue;
            }
            anyUp = true;
            if (atLeast != null && Long.compareUnsigned(state.replayed(), atLeast.value()) < 0) {
                behindToken = true;
                continue;
            }
            if (primaryUp && state.lagNanos() > maxLagNanos) {
                continue;
            }
            if (state.standby()) {
                return i;
            }
            if (promoted == PRIMARY) {
                promoted = i;
            }
        }
        if (promoted != PRIMARY) {
            return promoted;
        }
        count(!anyUp ? Route.PRIMARY_DOWN : behindToken ? Route.PRIMARY_TOKEN : Route.PRIMARY_LAG);
        return PRIMARY;
    }

    /**
     * The primary failed a read it was to serve (it is down, or going down before the monitor noticed): a replica
     * that answers and has replayed {@code atLeast}, whatever its lag, since the primary is what is missing; or
     * {@link #PRIMARY} when there is none.
     */
    int instead(WalPosition atLeast) {
        int fallback = PRIMARY;
        for (int i = 0; i < pools.size(); i++) {
            // The last resort: a replica whose last probe answered counts, however long ago that was, and even if a
            // read failed on it since (a fresh connection may well work: a PgBouncer that dropped its sessions).
            ReplicaMonitor.HostState state = monitor.state(i);
            if (state.up() && (atLeast == null || Long.compareUnsigned(state.replayed(), atLeast.value()) >= 0)) {
                if (state.standby()) {
                    return i;
                }
                fallback = fallback == PRIMARY ? i : fallback;
            }
        }
        return fallback;
    }

    /** Whether any host of DATABASE_READ_URL answers its probe (and recently). */
    boolean anyUsable() {
        long now = System.nanoTime();
        for (int i = 0; i < pools.size(); i++) {
            if (monitor.state(i).usable(now)) {
                return true;
            }
        }
        return false;
    }

    Database pool(int index) {
        return pools.get(index);
    }

    void servedByReplica() {
        routed[Route.REPLICA.ordinal()].increment();
    }

    /**
     * A replica failed a read: whether the primary should serve it instead. Yes when the replica is down (it leaves
     * routing until its probe answers again) or cancelled the read in a conflict with recovery (40001, which a
     * replica raises when replay must go on); any other failure is the read's own and reaches the caller.
     */
    boolean fallBack(int index, DbException failure) {
        if (failure instanceof DatabaseUnavailableException) {
            monitor.markDown(index, failure.getMessage());
            count(Route.PRIMARY_DOWN);
            return true;
        }
        if ("40001".equals(failure.sqlState()) || "40P01".equals(failure.sqlState())) {
            LOG.debug("replica {} cancelled a read ({}); the primary serves it", hosts.get(index),
                    failure.getMessage());
            count(Route.PRIMARY_LAG);
            return true;
        }
        return false;
    }

    private void count(Route route) {
        routed[route.ordinal()].increment();
    }

    ReadRoutingStats stats() {
        long now = System.nanoTime();
        var replicas = new ArrayList<ReadRoutingStats.Replica>();
        for (int i = 0; i < pools.size(); i++) {
            ReplicaMonitor.HostState state = monitor.state(i);
            replicas.add(new ReadRoutingStats.Replica(hosts.get(i), state.usable(now), state.standby(),
                    new WalPosition(state.replayed()).toString(),
                    Math.round(state.lagNanos() / 1e6) / 1e3, state.lagBytes(), pools.get(i).stats()));
        }
        return new ReadRoutingStats(routed[Route.REPLICA.ordinal()].sum(), routed[Route.PRIMARY_TOKEN.ordinal()].sum(),
                routed[Route.PRIMARY_LAG.ordinal()].sum(), routed[Route.PRIMARY_DOWN.ordinal()].sum(), replicas);
    }

    /** Stops the monitor and closes the read pools. */
    @Override
    public void close() {
        monitor.close();
        pools.forEach(Database::close);
    }
}
