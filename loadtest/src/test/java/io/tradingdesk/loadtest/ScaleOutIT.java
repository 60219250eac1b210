package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.testkit.Client;
import io.tradingdesk.testkit.Desk;
import io.tradingdesk.testkit.Ledger;
import io.tradingdesk.testkit.Load;
import io.tradingdesk.testkit.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue #9 with real components: 3 instances x pool 50 behind HAProxy, through PgBouncer (transaction mode,
 * default_pool_size 10), 300 concurrent desk clients (reads, notes, bars, the pitch-to-trade flow) over HAProxy.
 * The same topology takes a rolling restart, a SIGKILL and a PgBouncer restart under that load; a ledger of every
 * acknowledged write is checked against the database after each. Last, the same instances connected directly to a
 * PostgreSQL with max_connections=100 show why PgBouncer is there. Figures go to {@code target/scaleout.md}.
 * Traffic to 127.0.0.1 only; every load is bounded in time and requests.
 */
@Tag("scaleout")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutIT {
    private static final int CLIENTS = 300;
    private static final Duration LOAD = Duration.ofSeconds(20);
    private static final String TOKEN = "scaleout-token-0123456789abcdef";
    private static final List<String> REPORT = new ArrayList<>();

    private static Topology topology;
    private static Client client;
    private static Ledger ledger;
    private static Desk desk;

    @BeforeAll
    static void start() {
        Assumptions.assumeFalse(Boolean.getBoolean("scaleout.skip"), "-Dscaleout.skip=true");
        boolean installed = HaproxyProcess.installedBinary().isPresent()
                && io.tradingdesk.embedded.EmbeddedPgBouncer.installedBinary().isPresent();
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(installed, "pgbouncer and haproxy are not installed");
        }
        assertThat(installed).as("CI installs pgbouncer and haproxy (.ci/run)").isTrue();
        topology = Topology.start(options("through-pgbouncer").withInstances(3).withBouncerPoolSize(10),
                new Progress());
        client = new Client(topology.haproxy().port(), TOKEN, Duration.ofSeconds(30));
        ledger = new Ledger();
        desk = new Desk(client, ledger, Desk.seed(client, ledger, "SO", 20), (op, write, start, reply) -> { });
        warmUp();
        REPORT.add("| scenario | requests | failures by status | figures |");
        REPORT.add("|---|---:|---|---|");
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (topology != null) {
            topology.close();
        }
        if (!REPORT.isEmpty()) {
            String table = String.join("\n", REPORT) + "\n";
            System.out.println(table);
            Files.writeString(Path.of("target", "scaleout.md"), table);
        }
    }

    /**
     * A minute's worth of traffic at a tenth of the clients, not counted: freshly started JVMs compile their hot
     * code first. Production instances take traffic warm (and HAProxy's slowstart ramps a new one in); the figures
     * below are about the topology, not about three cold JVMs compiling on two shared cores.
     */
    private static void warmUp() {
        try {
            Load warm = startLoad(CLIENTS / 10, Duration.ofSeconds(15));
            assertThat(warm.await(Duration.ofSeconds(75).toMillis())).as("the warm-up ends by itself").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Topology.Options options(String name) {
        Path deploy = Path.of(System.getProperty("deploy.directory", "../deploy"));
        // DB_ACQUIRE_TIMEOUT 10 s, not the default 5: two cores are shared here by three JVMs, PostgreSQL, PgBouncer,
        // HAProxy and the 300-client load generator, and while one instance restarts (its JVM compiling) the other
        // two queue 150 clients each for PgBouncer's 10 sessions; a rare wait past 5 s is this box, not the design.
        return Topology.Options.defaults(Path.of("target", "scaleout", name).toAbsolutePath(), deploy)
                .withApiToken(TOKEN).withLogLevel("WARN").withEnvironment(Map.of("DB_ACQUIRE_TIMEOUT", "10"));
    }

    /** One desk client's next step: 70 % reads, 15 % notes, 10 % the trade flow, 5 % bars. */
    private static void step(Desk d, RandomGenerator rng) {
        double p = rng.nextDouble();
        if (p < 0.70) {
            d.read(rng);
        } else if (p < 0.85) {
            d.writeResearch(rng, "scale-out note");
        } else if (p < 0.95) {
            d.tradeFlow(rng);
        } else {
            d.writeBars(rng, 5);
        }
    }

    private static Load startLoad(int clients, Duration max) {
        var load = new Load(5_000_000, false);
        Desk recorded = desk.with(client, load);
        load.start(clients, max.toMillis(), (worker, rng) -> step(recorded, rng));
        return load;
    }

    /** Samples the service's PostgreSQL sessions every 100 ms while running; the most seen. */
    private static final class SessionSampler implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger max = new AtomicInteger();
        private final AtomicInteger samples = new AtomicInteger();
        private final Thread thread;

        SessionSampler(Topology t) {
            thread = Thread.ofPlatform().daemon().name("session-sampler").start(() -> {
                try (Connection c = t.observer()) {
                    while (running.get() && samples.get() < 10_000) {
                        max.accumulateAndGet(Topology.serviceSessions(c), Math::max);
                        samples.incrementAndGet();
                        Thread.sleep(100);
                    }
                } catch (Exception e) {
                    System.err.println("session sampler stopped: " + e);
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }

    /** What the failed answers said, for the assertion message: each distinct body (abbreviated) with its count. */
    private static Map<String, Long> reasons(Load load) {
        return load.samples().stream().filter(x -> x.status() < 200 || x.status() >= 300)
                .map(x -> x.status() + " " + (x.body() == null ? "" : x.body().replaceAll("\\s+", " ")
                        .replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<id>")))
                .map(text -> text.length() > 160 ? text.substring(0, 160) : text)
                .collect(java.util.stream.Collectors.groupingBy(text -> text, java.util.TreeMap::new,
                        java.util.stream.Collectors.counting()));
    }

    private static long failures(Map<Integer, Long> byStatus) {
        return byStatus.entrySet().stream().filter(e -> e.getKey() < 200 || e.getKey() >= 300)
                .mapToLong(Map.Entry::getValue).sum();
    }

    private static void assertLedgerHolds(String after) throws Exception {
        desk.replayPendingTrades();
        try (Connection c = topology.serviceDatabase()) {
            Ledger.Verification v = ledger.verify(c);
            assertThat(v.problems()).as("ledger after %s (%d acknowledged writes)", after, v.acknowledgedWrites())
                    .isEmpty();
            assertThat(v.rowsLost()).isZero();
        }
    }

    @Test
    @Order(1)
    void threeHundredClientsThroughHaproxyAndPgBouncerFailNothingAndUseAtMostTenServerSessions() throws Exception {
        Load load;
        int maxSessions;
        int samples;
        try (var sampler = new SessionSampler(topology)) {
            load = startLoad(CLIENTS, LOAD);
            assertThat(load.await(LOAD.plusSeconds(60).toMillis())).as("the load ends by itself").isTrue();
            sampler.close();
            maxSessions = sampler.max.get();
            samples = sampler.samples.get();
        }
        Map<Integer, Long> byStatus = load.byStatus();
        REPORT.add("| 300 clients, 20 s, 3 instances x pool 50 through PgBouncer (default_pool_size 10) | "
                + load.sent() + " | " + Load.failures(byStatus) + " | at most " + maxSessions
                + " PostgreSQL sessions in " + samples + " samples |");

        assertThat(failures(byStatus)).as("failures: %s, %s", Load.failures(byStatus), reasons(load)).isZero();
        assertThat(samples).isPositive();
        assertThat(maxSessions).as("PostgreSQL sessions of the service").isBetween(1, 10);
        assertLedgerHolds("the mixed load");
    }

    @Test
    @Order(2)
    void aRollingRestartUnderLoadFailsNoRequestAndLosesNoWrite() throws Exception {
        Load load = startLoad(CLIENTS, Duration.ofMinutes(5));
        long began = System.nanoTime();
        var exits = new ArrayList<Integer>();
        try {
            Thread.sleep(2_000);
            for (int i = 0; i < topology.instanceCount(); i++) {
                exits.add(topology.stopInstance(i));
                topology.startInstance(i);
                assertThat(topology.haproxy().awaitAll("UP", Duration.ofSeconds(30)))
                        .as("HAProxy sees app%d UP again: %s", i + 1, topology.haproxy().serverStates()).isTrue();
            }
            Thread.sleep(2_000);
        } finally {
            assertThat(load.stop(60_000)).isTrue();
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        Map<Integer, Long> byStatus = load.byStatus();
        REPORT.add("| rolling restart of 3 instances (SIGTERM, drain 5 s, start again) under 300 clients | "
                + load.sent() + " | " + Load.failures(byStatus) + " | " + String.format("%.0f", seconds)
                + " s; exit codes " + exits + " |");

        assertThat(exits).as("every instance drained and exited 0").containsOnly(0);
        assertThat(failures(byStatus)).as("failures: %s, %s", Load.failures(byStatus), reasons(load)).isZero();
        assertLedgerHolds("the rolling restart");
        assertThat(desk.replayAcknowledgedTrades()).as("no trade applied twice").isEmpty();
    }

    @Test
    @Order(3)
    void anInstanceKilledUnderLoadFailsOnlyItsRequestsInFlightAndHaproxyRoutesAroundIt() throws Exception {
        Load load = startLoad(CLIENTS, Duration.ofMinutes(2));
        long killedAt;
        long downAt = 0;
        try {
            Thread.sleep(3_000);
            killedAt = System.nanoTime();
            topology.killInstance(1);
            long deadline = killedAt + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                if (!topology.haproxy().serverStates().getOrDefault("app2", "UP").startsWith("UP")) {
                    downAt = System.nanoTime();
                    break;
                }
                Thread.sleep(20);
            }
            Thread.sleep(3_000);
        } finally {
            assertThat(load.stop(60_000)).isTrue();
        }
        Map<Integer, Long> byStatus = load.byStatus();
        long failed = failures(byStatus);
        long lastFailure = load.samples().stream().mapToLong(Load.Sample::endNanos).max().orElse(killedAt);
        double downMillis = (downAt - killedAt) / 1e6;
        REPORT.add("| SIGKILL on 1 of 3 instances under 300 clients | " + load.sent() + " | "
                + Load.failures(byStatus) + " | HAProxy marked it DOWN after " + String.format("%.0f", downMillis)
                + " ms; last failure " + String.format("%.0f", (lastFailure - killedAt) / 1e6) + " ms after the kill |");

        assertThat(downAt).as("HAProxy marks the killed instance DOWN").isPositive();
        assertThat(downMillis).as("on the first failed connect (observe layer4), well within fall x inter")
                .isLessThan(3_000);
        assertThat(failed).as("at most the requests in flight on it: %s", Load.failures(byStatus))
                .isLessThanOrEqualTo(CLIENTS);
        assertThat(lastFailure - killedAt).as("no failure once HAProxy routes around it")
                .isLessThan(Duration.ofSeconds(4).toNanos());

        topology.startInstance(1);
        assertThat(topology.haproxy().awaitAll("UP", Duration.ofSeconds(30))).isTrue();
        assertLedgerHolds("the SIGKILL");
    }

    @Test
    @Order(4)
    void readsRecoverByThemselvesAfterPgBouncerRestartsUnderLoad() throws Exception {
        Load load = startLoad(CLIENTS, Duration.ofMinutes(2));
        long restartedAt;
        long observedUntil;
        try {
            Thread.sleep(3_000);
            restartedAt = System.nanoTime();
            topology.bouncer().stop();
            topology.bouncer().startAgain();
            Thread.sleep(15_000);
        } finally {
            observedUntil = System.nanoTime();
            assertThat(load.stop(60_000)).isTrue();
        }
        // Requests still running when the load was stopped are cut off by the stop, not by PgBouncer: left out.
        List<Load.Sample> observed = load.samples().stream().filter(s -> s.endNanos() <= observedUntil).toList();
        List<Load.Sample> failed = observed.stream().filter(s -> s.status() < 200 || s.status() >= 300).toList();
        long failedReads = failed.stream().filter(s -> !s.write()).count();
        long failedWrites = failed.stream().filter(Load.Sample::write).count();
        long lastFailure = failed.stream().mapToLong(Load.Sample::endNanos).max().orElse(restartedAt);
        double recoveryMillis = Math.max(0, lastFailure - restartedAt) / 1e6;
        Map<Integer, Long> byStatus = load.byStatus();
        REPORT.add("| PgBouncer restarted (SIGTERM, start again) under 300 clients | " + load.sent() + " | "
                + Load.failures(byStatus) + " | failed reads " + failedReads + ", failed writes " + failedWrites
                + "; last failure " + String.format("%.0f", recoveryMillis) + " ms after the restart began |");

        // Recovered without a manual step: the load ran on for seconds after the last failure with none.
        assertThat(Duration.ofNanos(observedUntil - lastFailure)).as("failure-free time at the end of the load")
                .isGreaterThan(Duration.ofSeconds(3));
        assertThat(Duration.ofNanos(lastFailure - restartedAt)).as("recovery after the restart began")
                .isLessThan(Duration.ofSeconds(20));
        Reply read = client.get("/api/instruments");
        assertThat(read.ok()).as("a read after the restart: %s", read).isTrue();
        assertLedgerHolds("the PgBouncer restart");
        assertThat(desk.replayAcknowledgedTrades()).as("no trade applied twice").isEmpty();
    }

    @Test
    @Order(5)
    void withoutPgBouncerTheSameInstancesRunIntoMaxConnections() throws Exception {
        topology.close();
        topology = null;
        try (var direct = Topology.start(options("direct").withInstances(3).withBouncerPoolSize(0), new Progress());
             var directClient = new Client(direct.haproxy().port(), TOKEN, Duration.ofSeconds(30))) {
            var directLedger = new Ledger();
            var directDesk = new Desk(directClient, directLedger, Desk.seed(directClient, directLedger, "DI", 20),
                    (op, write, start, reply) -> { });
            var load = new Load(5_000_000, false);
            Desk recorded = directDesk.with(directClient, load);
            int maxSessions;
            try (var sampler = new SessionSampler(direct)) {
                load.start(CLIENTS, LOAD.toMillis(), (worker, rng) -> step(recorded, rng));
                assertThat(load.await(LOAD.plusSeconds(60).toMillis())).isTrue();
                sampler.close();
                maxSessions = sampler.max.get();
            }
            long refusals = 0;
            for (int i = 1; i <= 3; i++) {
                Path log = direct.options().workDirectory().resolve("app" + i + ".log");
                refusals += Files.readAllLines(log).stream().filter(l -> l.contains("53300")).count();
            }
            Map<Integer, Long> byStatus = load.byStatus();
            REPORT.add("| the same 3 x pool 50 directly to PostgreSQL (max_connections 100), 300 clients, 20 s | "
                    + load.sent() + " | " + Load.failures(byStatus) + " | " + maxSessions
                    + " PostgreSQL sessions at most; " + refusals + " log lines with SQLSTATE 53300 (too many"
                    + " clients) |");
            assertThat(maxSessions).as("the pools outgrow PgBouncer's 10 by far").isGreaterThan(10);
        }
    }
}
