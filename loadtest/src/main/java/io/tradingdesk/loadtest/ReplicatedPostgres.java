package io.tradingdesk.loadtest;

import io.tradingdesk.embedded.AutoFailover;
import io.tradingdesk.embedded.EmbeddedPgBouncer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL side of {@link Topology} with replicas ({@code ./desk cluster up --replicas M}): a pg_auto_failover
 * formation (a monitor, a primary and M streaming replicas, synchronous replication, the monitor's timeouts of
 * {@link AutoFailover#FAST_FAILOVER}), a PgBouncer in front of every node, the variables that point the instances at
 * them, and a watcher that has the PgBouncers start afresh after a promotion. Thread-safe; {@link #close()} stops the
 * watcher, the PgBouncers and the formation.
 */
final class ReplicatedPostgres implements AutoCloseable {
    private final AutoFailover formation;
    private final List<EmbeddedPgBouncer> bouncers;
    private final Topology.Backend backend;
    /** Polls the formation for a new primary, see {@link #watchPromotions()}; null without PgBouncer. */
    private final Thread watcher;
    private volatile boolean closing;

    private ReplicatedPostgres(AutoFailover formation, List<EmbeddedPgBouncer> bouncers) {
        this.formation = formation;
        this.bouncers = List.copyOf(bouncers);
        this.backend = backend(formation, bouncers);
        this.watcher = bouncers.isEmpty() ? null
                : Thread.ofVirtual().name("topology-promotion-watcher").start(this::watchPromotions);
    }

    /** Starts the formation, creates the service's database on the primary, then a PgBouncer per node. */
    static ReplicatedPostgres start(Topology.Options options, Progress progress) {
        progress.say("PostgreSQL: pg_auto_failover formation, a primary and " + options.replicas()
                + " replica(s), synchronous replication, monitor " + AutoFailover.FAST_FAILOVER);
        AutoFailover formation = AutoFailover.builder().nodes(1 + options.replicas()).fastFailover()
                // As the single cluster: durability against a crashed machine is not what a local topology tests.
                .nodeSetting("fsync", "off").start();
        var bouncers = new ArrayList<EmbeddedPgBouncer>();
        try {
            try (Connection c = DriverManager.getConnection(primaryUrl(formation, "postgres"),
                    Topology.superuser(null)); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + Topology.DATABASE);
            }
            if (options.bouncerPoolSize() > 0) {
                progress.say("PgBouncer: one per node, transaction mode, default_pool_size="
                        + options.bouncerPoolSize() + " (deploy/pgbouncer/pgbouncer.ini)");
                for (AutoFailover.Node node : formation.nodes()) {
                    bouncers.add(Topology.pgbouncer(options, EmbeddedPgBouncer.builder("127.0.0.1", node.port())
                            .serverLogin("postgres")));
                }
            }
            return new ReplicatedPostgres(formation, bouncers);
        } catch (SQLException | RuntimeException e) {
            bouncers.reversed().forEach(Topology::closeQuietly);
            formation.close();
            throw new IllegalStateException("the formation's side of the topology did not start: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Writes to whichever node is primary (every PgBouncer listed, target_session_attrs=read-write), reads to the
     * replicas (the same list in DATABASE_READ_URL; the service's replica monitor tells them apart), migrations
     * straight to the primary node. Trust authentication: no password.
     */
    private static Topology.Backend backend(AutoFailover formation, List<EmbeddedPgBouncer> bouncers) {
        String nodes = formation.hosts();
        String pools = bouncers.isEmpty() ? nodes
                : String.join(",", bouncers.stream().map(b -> "127.0.0.1:" + b.port()).toList());
        var env = new HashMap<String, String>();
        env.put("DATABASE_URL", "postgresql://postgres@" + pools + "/" + Topology.DATABASE
                + "?target_session_attrs=read-write");
        env.put("DATABASE_READ_URL", "postgresql://postgres@" + pools + "/" + Topology.DATABASE);
        env.put("DB_PGBOUNCER", Boolean.toString(!bouncers.isEmpty()));
        if (!bouncers.isEmpty()) {
            // Flyway's advisory lock needs a session: migrations go to the nodes themselves, never through PgBouncer.
            env.put("FLYWAY_URL", "postgresql://postgres@" + nodes + "/" + Topology.DATABASE
                    + "?target_session_attrs=read-write");
        }
        return new Topology.Backend(Map.copyOf(env), null);
    }

    /**
     * After a failover, has every PgBouncer drop its sessions and start afresh ({@code KILL}, then {@code RESUME}).
     * PgBouncer 1.18 hands every new client the parameters its pool's first server session reported,
     * {@code in_hot_standby=on} included for the node that was a replica then, and pgjdbc, believing it, would never
     * take the promoted node for the primary through that PgBouncer. {@code RECONNECT} resets those parameters too,
     * but under traffic its busy sessions hold the pool's slots while new clients wait for a fresh login (pgjdbc's
     * login timed out for 10 s here); {@code KILL} frees them at once, at the price of the read sessions through it,
     * which the pools replace. A production setup does the same from the failover manager's notifications
     * (pg_auto_failover's monitor NOTIFYs on channel {@code state}). Polls twice a second.
     */
    private void watchPromotions() {
        String primary = formation.primary().map(AutoFailover.Node::name).orElse(null);
        while (!closing) {
            try {
                Thread.sleep(500);
                String now = formation.primary().map(AutoFailover.Node::name).orElse(null);
                if (now != null && !now.equals(primary)) {
                    System.err.println("topology: " + now + " is the primary now; every PgBouncer starts afresh");
                    for (EmbeddedPgBouncer bouncer : bouncers) {
                        bouncer.admin("KILL " + Topology.DATABASE);
                        bouncer.admin("RESUME " + Topology.DATABASE);
                    }
                    primary = now;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The monitor or a PgBouncer does not answer right now (a node is down): try again next beat.
            }
        }
    }

    AutoFailover formation() {
        return formation;
    }

    List<EmbeddedPgBouncer> bouncers() {
        return bouncers;
    }

    Topology.Backend backend() {
        return backend;
    }

    /** A pgjdbc URL of {@code database} on whichever node is primary. */
    String primaryUrl(String database) {
        return primaryUrl(formation, database);
    }

    private static String primaryUrl(AutoFailover formation, String database) {
        return "jdbc:postgresql://" + formation.hosts() + "/" + database + "?targetServerType=primary";
    }

    /** The monitor and each node with its role as the monitor reports it (PgBouncers are the topology's). */
    List<Topology.Part> parts() {
        var parts = new ArrayList<Topology.Part>();
        parts.add(new Topology.Part("monitor", formation.monitorPort(), formation.monitorPid(),
                "pg_auto_failover monitor (database pg_auto_failover)"));
        List<AutoFailover.State> states;
        try {
            states = formation.states();
        } catch (IllegalStateException e) {
            states = List.of();
        }
        for (AutoFailover.Node node : formation.nodes()) {
            String role = states.stream().filter(st -> st.name().equals(node.name()))
                    .map(st -> st.reported() + (st.reported().equals(st.goal()) ? "" : " -> " + st.goal()))
                    .findFirst().orElse("unknown to the monitor");
            parts.add(new Topology.Part(node.name(), node.port(), formation.pid(node), role));
        }
        return parts;
    }

    /** Stops the watcher, the PgBouncers (newest first) and the formation. Idempotent. */
    @Override
    public void close() {
        closing = true;
        if (watcher != null) {
            watcher.interrupt();
        }
        bouncers.reversed().forEach(Topology::closeQuietly);
        formation.close();
    }
}
