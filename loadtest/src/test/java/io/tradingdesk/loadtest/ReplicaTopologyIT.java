package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.embedded.AutoFailover;
import io.tradingdesk.embedded.EmbeddedPgBouncer;
import io.tradingdesk.testkit.Client;
import io.tradingdesk.testkit.Desk;
import io.tradingdesk.testkit.Ledger;
import io.tradingdesk.testkit.Load;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #11 on the whole topology of {@code ./desk cluster up --replicas 1}: a pg_auto_failover formation (primary,
 * synchronous replica, monitor), a PgBouncer per node, two instances reading from the replica and writing to the
 * primary, HAProxy in front. Under a desk load through HAProxy the primary node is killed (kill -9 of its pg_autoctl
 * and PostgreSQL); the monitor promotes the replica, the topology has the PgBouncers start afresh, the instances find
 * the new primary by themselves. Checked: writes come back, no acknowledged write is lost and none is applied twice.
 * Figures go to {@code target/scaleout-replicas.md}. Traffic to 127.0.0.1 only; the load is bounded.
 */
@Tag("scaleout")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReplicaTopologyIT {
    private static final String TOKEN = "replica-token-0123456789abcdef";
    private static final int CLIENTS = 16;

    @Test
    void theTopologyWithAReplicaLosesItsPrimaryAndWritesComeBackWithNothingLostOrDoubled() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("scaleout.skip"), "-Dscaleout.skip=true");
        boolean installed = HaproxyProcess.installedBinary().isPresent()
                && EmbeddedPgBouncer.installedBinary().isPresent()
                && AutoFailover.installed(Path.of("/usr/lib/postgresql/15/bin"));
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(installed, "pgbouncer, haproxy and pg_auto_failover are not all installed");
        }
        assertThat(installed).as("CI installs pgbouncer, haproxy and pg_auto_failover (.ci/run)").isTrue();
        Path deploy = Path.of(System.getProperty("deploy.directory", "../deploy"));
        var options = Topology.Options.defaults(Path.of("target", "scaleout", "replicas").toAbsolutePath(), deploy)
                .withInstances(2).withReplicas(1).withMaxPoolSize(20).withApiToken(TOKEN).withLogLevel("WARN");
        try (Topology topology = Topology.start(options, new Progress());
             Client client = new Client(topology.haproxy().port(), TOKEN, Duration.ofSeconds(30))) {
            List<Topology.Part> parts = topology.status();
            assertThat(parts).extracting(Topology.Part::name).contains("monitor", "node1", "node2", "pgbouncer1",
                    "pgbouncer2", "app1", "app2", "haproxy");
            assertThat(parts).filteredOn(p -> p.name().startsWith("node")).extracting(Topology.Part::health)
                    .containsExactlyInAnyOrder("primary", "secondary");

            var ledger = new Ledger();
            List<String> symbols = Desk.seed(client, ledger, "RT", 6);
            var load = new Load(2_000_000, true);
            var desk = new Desk(client, ledger, symbols, load);
            load.start(CLIENTS, 150_000, (worker, rng) -> step(desk, rng));
            Thread.sleep(4_000);

            AutoFailover formation = topology.formation();
            AutoFailover.Node primary = formation.primary().orElseThrow();
            formation.kill(primary);
            long killed = System.nanoTime();
            long deadline = killed + TimeUnit.SECONDS.toNanos(90);
            long back = -1;
            while (back < 0 && System.nanoTime() < deadline) {
                Thread.sleep(200);
                back = load.samples().stream().filter(s -> s.write() && ok(s) && s.startNanos() > killed)
                        .mapToLong(Load.Sample::endNanos).min().orElse(-1);
            }
            assertThat(back).as("a write succeeds after the kill: %s", formation.events(10)).isPositive();
            Thread.sleep(4_000);
            assertThat(load.stop(30_000)).as("load workers ended").isTrue();
            for (int pass = 0; pass < 5 && !ledger.pendingTrades.isEmpty(); pass++) {
                desk.replayPendingTrades();
            }
            Ledger.Verification verification;
            try (Connection c = topology.serviceDatabase()) {
                verification = ledger.verify(c);
            }
            List<String> duplicates = desk.replayAcknowledgedTrades();

            Map<String, Long> failures = new TreeMap<>(load.samples().stream().filter(s -> !ok(s))
                    .collect(Collectors.groupingBy(s -> (s.write() ? "write " : "read ") + s.status(),
                            Collectors.counting())));
            long writesBack = TimeUnit.NANOSECONDS.toMillis(back - killed);
            String report = "| topology | requests | failures by kind | first write after kill -9 | acknowledged writes"
                    + " | lost | duplicates |\n|---|---:|---|---:|---:|---:|---:|\n| 2 instances, PgBouncer per node,"
                    + " pg_auto_failover (fast failover), synchronous | " + load.sent() + " | " + failures + " | "
                    + writesBack + " ms | " + verification.acknowledgedWrites() + " | " + verification.rowsLost()
                    + " | " + duplicates.size() + " |\n";
            System.out.println(report);
            Files.writeString(Path.of("target", "scaleout-replicas.md"), report);

            assertThat(verification.problems()).as("ledger problems").isEmpty();
            assertThat(verification.rowsLost()).as("acknowledged writes lost").isZero();
            assertThat(duplicates).as("trades applied twice").isEmpty();
            assertThat(writesBack).as("first successful write after the kill (target 30 s)").isLessThan(60_000);
        }
    }

    /** Two thirds reads, the rest notes, bars and the trade flow. */
    private static void step(Desk desk, RandomGenerator rng) {
        int p = rng.nextInt(100);
        if (p < 65) {
            desk.read(rng);
        } else if (p < 80) {
            desk.writeResearch(rng, "replica topology");
        } else if (p < 90) {
            desk.writeBars(rng, 5);
        } else {
            desk.tradeFlow(rng);
        }
    }

    private static boolean ok(Load.Sample s) {
        return s.status() >= 200 && s.status() < 300;
    }
}
