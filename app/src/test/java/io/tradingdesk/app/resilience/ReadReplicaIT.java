package io.tradingdesk.app.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tradingdesk.app.AppProcess;
import io.tradingdesk.embedded.EmbeddedPostgres;
import io.tradingdesk.testkit.Client;
import io.tradingdesk.testkit.Desk;
import io.tradingdesk.testkit.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads from a streaming replica over the real HTTP API (issue #11, points 1, 2 and 4): read-your-writes with the
 * Consistency-Token while the replica's replay is paused, the same without the token (stale reads do happen, so the
 * first half can fail), a stopped replica, reads really offloaded (the replica's own pg_stat_database), and the
 * packaged server migrating the primary while its read pool points at the replica. Throwaway clusters on 127.0.0.1.
 */
@Tag("scaleout")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReadReplicaIT {
    private static final String DATABASE = "desk";
    private static final Pattern TOKEN = Pattern.compile("[0-9A-F]{1,8}/[0-9A-F]{1,8}");
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private static EmbeddedPostgres primary;
    private static EmbeddedPostgres replica;
    private static Stack stack;
    private static HttpClient http;

    @TempDir
    Path work;

    @BeforeAll
    static void startPrimaryReplicaAndService() throws SQLException {
        // Skipped only outside CI; .ci/run installs PostgreSQL 15's server binaries, and CI must fail rather than skip.
        if ("true".equals(System.getenv("CI"))) {
            assertThat(Clusters.replicasPossible()).as("needs PostgreSQL 15's pg_basebackup").isTrue();
        }
        Assumptions.assumeTrue(Clusters.replicasPossible(), "needs PostgreSQL 15's pg_basebackup");
        Logs.quiet();
        primary = Clusters.start(null, Map.of("max_connections", "200"));
        Clusters.createMigrated(primary, DATABASE, null);
        replica = Clusters.replicaOf(primary);
        // DB_READ_MAX_LAG of an hour: a replica whose replay is paused keeps serving reads without a token, which is
        // what shows that those can be stale.
        stack = Stack.start(primary, DATABASE, null, Map.of(
                "DATABASE_READ_URL", "postgresql://postgres@127.0.0.1:" + replica.port() + "/" + DATABASE,
                "DB_READ_MAX_LAG", "3600", "DB_ACQUIRE_TIMEOUT", "2", "DB_CONNECT_TIMEOUT", "1",
                "DB_MAX_POOL_SIZE", "20", "DB_READ_MAX_POOL_SIZE", "20"));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        put("/api/instruments/RW000", Desk.instrument("Read your writes", "equity", "USD"));
        awaitReplicaUp();
    }

    @AfterAll
    static void stopEverything() {
        if (http != null) {
            http.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @AfterEach
    void replicaRunsAndReplays() throws SQLException {
        primary.startAgain();
        replica.startAgain();
        execute(replica, "SELECT pg_wal_replay_resume()");
        awaitReplicaUp();
    }

    /** One HTTP exchange with the headers this test looks at. */
    private record Answer(int status, String body, String token) {
    }

    @Test
    void aThousandWriteThenReadPairsWithTheTokenAreNeverStaleWhileReplayIsPausedAndWithoutItTheyAre()
            throws Exception {
        execute(replica, "SELECT pg_wal_replay_pause()");
        long routedBefore = routing().path("primaryByToken").asLong();

        int pairs = 1_000;
        int workers = 4;
        var stale = new AtomicInteger();
        var failures = new ArrayList<String>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var done = new ArrayList<Future<List<String>>>();
            for (int w = 0; w < workers; w++) {
                done.add(pool.submit(() -> {
                    var problems = new ArrayList<String>();
                    for (int i = 0; i < pairs / workers; i++) {
                        Answer written = post("/api/research", note("with token"));
                        if (written.status() != 201 || written.token() == null
                                || !TOKEN.matcher(written.token()).matches()) {
                            problems.add("write: " + written);
                            continue;
                        }
                        Answer read = get("/api/research/" + id(written), written.token());
                        if (read.status() == 404) {
                            stale.incrementAndGet();
                        } else if (read.status() != 200) {
                            problems.add("read: " + read);
                        }
                    }
                    return problems;
                }));
            }
            for (Future<List<String>> f : done) {
                failures.addAll(f.get(3, TimeUnit.MINUTES));
            }
        }
        assertThat(failures).as("writes and reads that failed").isEmpty();
        assertThat(stale.get()).as("stale reads among %d pairs with the token", pairs).isZero();
        assertThat(routing().path("primaryByToken").asLong() - routedBefore)
                .as("token reads the paused replica could not serve went to the primary").isGreaterThanOrEqualTo(pairs);

        int withoutToken = 100;
        int staleWithout = 0;
        for (int i = 0; i < withoutToken; i++) {
            Answer written = post("/api/research", note("without token"));
            assertThat(written.status()).isEqualTo(201);
            if (get("/api/research/" + id(written), null).status() == 404) {
                staleWithout++;
            }
        }
        System.out.printf("read-your-writes: %d pairs with the token, %d stale; %d pairs without it, %d stale%n",
                pairs, stale.get(), withoutToken, staleWithout);
        assertThat(staleWithout).as("stale reads without the token (the test can fail)").isGreaterThan(withoutToken / 2);
    }

    @Test
    void everyWriteAnswersWithATokenAndAMalformedOneIsA400NamingTheHeader() throws Exception {
        Answer instrument = send("PUT", "/api/instruments/RW001", Desk.instrument("Token", "equity", "USD"), null);
        Answer bars = post("/api/market/bars", "[" + Desk.validBar("2024-01-02T00:00:00Z", 1).put("symbol", "RW000") + "]");
        Answer research = post("/api/research", note("token"));
        Answer pitch = post("/api/pitches", Desk.validPitch().put("symbol", "RW000").toString());
        long pitchId = id(pitch);
        Answer approved = send("PATCH", "/api/pitches/" + pitchId + "/status",
                "{\"status\":\"approved\",\"version\":1}", null);
        Answer trade = send("POST", "/api/trades", "{\"pitchId\":" + pitchId + ",\"quantity\":5,\"price\":100}", null);
        for (Answer a : List.of(instrument, bars, research, pitch, approved, trade)) {
            assertThat(a.status()).as("%s", a).isBetween(200, 201);
            assertThat(a.token()).as("Consistency-Token of %s", a).matches(TOKEN);
        }

        for (String bad : List.of("nonsense", "0/", "123456789/0", "0/0/0", "0x1/0")) {
            Answer refused = get("/api/positions", bad);
            assertThat(refused.status()).as("token %s", bad).isEqualTo(400);
            JsonNode body = Desk.parse(refused.body());
            assertThat(body.path("error").asText()).isEqualTo("bad_request");
            assertThat(body.path("details").path("fields").has("Consistency-Token")).as(refused.body()).isTrue();
        }
        assertThat(get("/api/positions", trade.token()).status()).isEqualTo(200);
    }

    @Test
    void aStoppedReplicaLeavesEveryReadAnswering200FromThePrimary() throws Exception {
        Answer written = post("/api/research", note("before the stop"));
        replica.stop();
        var paths = List.of("/api/instruments", "/api/instruments/RW000", "/api/market/snapshot",
                "/api/research/latest?limit=5", "/api/research/" + id(written), "/api/research?symbol=RW000",
                "/api/pitches?limit=5", "/api/positions", "/api/portfolio/summary", "/api/market/bars/RW000");
        int sent = 0;
        for (int round = 0; round < 30; round++) {
            for (String path : paths) {
                Answer a = get(path, round % 2 == 0 ? null : written.token());
                assertThat(a.status()).as("GET %s with the replica down: %s", path, a).isEqualTo(200);
                sent++;
            }
        }
        JsonNode health = health();
        assertThat(health.path("status").asText()).isEqualTo("up");
        assertThat(health.path("readPools").get(0).path("up").asBoolean()).isFalse();
        assertThat(health.path("readRouting").path("primaryByReplicaDown").asLong()).isGreaterThan(sent / 2);
    }

    @Test
    void withThePrimaryStoppedReadsGoOnFromTheReplicaWritesGet503AndTheInstanceStaysReadyForReads() throws Exception {
        Answer written = post("/api/research", note("before the primary stops"));
        awaitOnReplica(DATABASE, "SELECT count(*) FROM research_notes WHERE id = " + id(written), "1");
        primary.stop();
        try {
            for (int i = 0; i < 50; i++) {
                Answer read = get("/api/research/" + id(written), null);
                assertThat(read.status()).as("read %d with the primary down: %s", i, read).isEqualTo(200);
            }
            Answer write = post("/api/research", note("while the primary is down"));
            assertThat(write.status()).as("%s", write).isEqualTo(503);
            JsonNode ready = null;
            for (int i = 0; i < 100; i++) {
                Answer answer = get("/health/ready", null);
                assertThat(answer.status()).as("readiness with the primary down: %s", answer).isEqualTo(200);
                ready = Desk.parse(answer.body());
                if (ready.path("readsOnly").asBoolean()) {
                    break;
                }
                sleep(100);
            }
            assertThat(ready.path("readsOnly").asBoolean()).as("readiness says reads only: %s", ready).isTrue();
        } finally {
            primary.startAgain();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (post("/api/research", note("after the primary is back")).status() != 201) {
            assertThat(System.nanoTime()).as("writes come back within 30 s").isLessThan(deadline);
            sleep(200);
        }
    }

    @Test
    void underAReadLoadTheReplicaServesMostReadsAndThePrimaryFew() throws Exception {
        // A database of its own, and a service of its own that is closed before counting: a backend publishes its
        // statistics when it disconnects or idles for a second, so only then are the counts complete, and the other
        // service's probes (on "desk") never land in them.
        String database = "offload";
        Clusters.createMigrated(primary, database, null);
        awaitOnReplica(database, "SELECT count(*) FROM pg_tables WHERE tablename = 'research_notes'", "1");
        var sent = new AtomicInteger();
        var failed = new AtomicInteger();
        // Counted from before the service starts: its probes and the instrument write are in the deltas.
        long replicaBefore = settledCommits(replica, database);
        long primaryBefore = settledCommits(primary, database);
        long routed;
        try (Stack own = Stack.start(primary, database, null, Map.of(
                "DATABASE_READ_URL", "postgresql://postgres@127.0.0.1:" + replica.port() + "/" + database,
                "DB_MAX_POOL_SIZE", "8", "DB_READ_MAX_POOL_SIZE", "16"));
             Client client = own.client(TIMEOUT)) {
            assertThat(client.put("/api/instruments/OF000", Desk.instrument("Offload", "equity", "USD")).ok()).isTrue();
            // Reads without a token may be a moment stale: start once the replica has the instrument.
            for (int i = 0; i < 300 && !client.get("/api/instruments/OF000").ok(); i++) {
                sleep(100);
            }
            long routedBefore = own.db.readRouting().orElseThrow().replica();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int w = 0; w < 16; w++) {
                    int worker = w;
                    pool.submit(() -> {
                        var paths = List.of("/api/instruments/OF000", "/api/research/latest?limit=5",
                                "/api/research?symbol=OF000&limit=10", "/api/positions", "/api/market/snapshot");
                        for (int i = 0; System.nanoTime() < deadline && i < 5_000; i++) {
                            String path = paths.get((worker + i) % paths.size());
                            Reply reply = client.get(path);
                            if (!reply.ok()) {
                                failed.incrementAndGet();
                                System.out.println("offload: GET " + path + " failed: " + reply);
                            }
                            sent.incrementAndGet();
                        }
                        return null;
                    });
                }
            }
            routed = own.db.readRouting().orElseThrow().replica() - routedBefore;
        }
        long onReplica = settledCommits(replica, database) - replicaBefore;
        long onPrimary = settledCommits(primary, database) - primaryBefore;
        System.out.printf("offload: %d reads sent; transactions on the replica %d, on the primary %d (the instrument"
                + " write, health and monitor probes); routed to the replica %d%n", sent.get(), onReplica, onPrimary,
                routed);
        assertThat(failed.get()).isZero();
        assertThat(sent.get()).isGreaterThan(200);
        assertThat(routed).as("reads the replica served, by the service's count").isEqualTo(sent.get());
        assertThat(onReplica).as("transactions in the replica's own pg_stat_database").isGreaterThanOrEqualTo(sent.get());
        assertThat(onPrimary).as("transactions on the primary during the read load").isLessThan(onReplica / 4);
    }

    @Test
    void thePackagedServerMigratesThePrimaryAndReportsBothPools() throws Exception {
        String fresh = "launched";
        primary.createDatabase(fresh);
        awaitOnReplica("postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + fresh + "'", "1");
        try (var app = AppProcess.start(work, Map.of(
                "DATABASE_URL", "postgresql://postgres@127.0.0.1:" + primary.port() + "/" + fresh,
                "DATABASE_READ_URL", "postgresql://127.0.0.1:" + replica.port() + "/" + fresh,
                "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "4",
                "DB_READ_MIN_POOL_SIZE", "1", "DB_READ_MAX_POOL_SIZE", "3"))) {
            app.awaitReady();
            awaitOnReplica(fresh, "SELECT count(*) FROM pg_tables WHERE tablename = 'research_notes'", "1");
            HttpResponse<String> healthAnswer = null;
            for (int i = 0; i < 100; i++) {
                healthAnswer = app.get("/api/health");
                if (healthAnswer.body().contains("\"up\":true")) {
                    break;
                }
                Thread.sleep(100);
            }
            JsonNode health = Desk.parse(healthAnswer.body());
            assertThat(health.path("pool").path("max").asInt()).isEqualTo(4);
            JsonNode readPool = health.path("readPools").get(0);
            assertThat(readPool.path("host").asText()).isEqualTo("127.0.0.1:" + replica.port());
            assertThat(readPool.path("up").asBoolean()).isTrue();
            assertThat(readPool.path("standby").asBoolean()).isTrue();
            assertThat(readPool.path("pool").path("max").asInt()).isEqualTo(3);
            String metrics = app.get("/metrics").body();
            assertThat(metrics).contains("db_pool_reads_routed_total{pool=\"trading-desk\",route=\"replica\"}")
                    .contains("db_pool_replica_lag_seconds{pool=\"trading-desk-read\"}")
                    .contains("db_pool_connections_open{pool=\"trading-desk-read\"}");
            assertThat(app.log()).contains("read routing: 1 replica(s)")
                    .containsPattern("migrations: \\d+ applied");
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static String note(String title) {
        return Desk.validResearch().put("symbol", "RW000").put("title", title).toString();
    }

    private static long id(Answer a) {
        return Desk.parse(a.body()).path("id").asLong();
    }

    private static Answer post(String path, String json) {
        return send("POST", path, json, null);
    }

    private static void put(String path, String json) {
        Answer a = send("PUT", path, json, null);
        assertThat(a.status()).as("PUT %s: %s", path, a).isBetween(200, 201);
    }

    private static Answer get(String path, String token) {
        return send("GET", path, null, token);
    }

    private static Answer send(String method, String path, String json, String token) {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.port() + path)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + Stack.TOKEN)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Consistency-Token", token);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(),
                    response.headers().firstValue("Consistency-Token").orElse(null));
        } catch (java.io.IOException e) {
            return new Answer(-2, e.toString(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-2, e.toString(), null);
        }
    }

    private static JsonNode health() {
        Answer a = get("/api/health", null);
        assertThat(a.status()).as("%s", a).isEqualTo(200);
        return Desk.parse(a.body());
    }

    private static JsonNode routing() {
        return health().path("readRouting");
    }

    private static void awaitReplicaUp() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            JsonNode pool = health().path("readPools").get(0);
            if (pool.path("up").asBoolean() && pool.path("lagBytes").asLong() == 0) {
                return;
            }
            sleep(100);
        }
        throw new AssertionError("the replica did not come up and catch up within 30 s: " + health());
    }

    private static void awaitOnReplica(String database, String sql, String expected) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!expected.equals(scalarOrNull(replica, database, sql))) {
            assertThat(System.nanoTime()).as("%s on the replica within 30 s", sql).isLessThan(deadline);
            sleep(100);
        }
    }

    /**
     * The count once it has stopped moving: backends publish their statistics when they go idle, at most once a
     * second, so the last reads of a load show up a moment later.
     */
    private static long settledCommits(EmbeddedPostgres pg, String database) throws SQLException {
        long last = commits(pg, database);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            sleep(1_500);
            long now = commits(pg, database);
            if (now == last) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static long commits(EmbeddedPostgres pg, String database) throws SQLException {
        return Long.parseLong(scalar(pg, "postgres",
                "SELECT xact_commit FROM pg_stat_database WHERE datname = '" + database + "'"));
    }

    private static void execute(EmbeddedPostgres pg, String sql) throws SQLException {
        try (Connection c = Stack.observer(pg, "postgres", null); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** {@link #scalar}, or null while the database cannot be reached (not replicated yet, say). */
    private static String scalarOrNull(EmbeddedPostgres pg, String database, String sql) {
        try {
            return scalar(pg, database, sql);
        } catch (SQLException e) {
            return null;
        }
    }

    private static String scalar(EmbeddedPostgres pg, String database, String sql) throws SQLException {
        try (Connection c = Stack.observer(pg, database, null); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
