package io.tradingdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.db.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With both connections of a 2-connection pool held by slow requests, the next request gets 503 + Retry-After
 * within DB_ACQUIRE_TIMEOUT (1 s) and a small margin, never a hang or a 500; liveness still answers.
 */
class PoolExhaustionIT {
    private static ApiServer server;

    @BeforeAll
    static void start() {
        server = ApiServer.start("api_pool", Map.of("DB_MAX_POOL_SIZE", "2", "DB_MIN_POOL_SIZE", "1",
                "DB_ACQUIRE_TIMEOUT", "1"), Map.of());
        // A test-only slow statement: inserting a note titled 'slow' holds its connection for 3 s.
        TestDatabase.execute(server.url, """
                CREATE FUNCTION slow_note() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.title = 'slow' THEN PERFORM pg_sleep(3); END IF;
                    RETURN NEW;
                END $$""");
        TestDatabase.execute(server.url,
                "CREATE TRIGGER research_notes_slow BEFORE INSERT ON research_notes FOR EACH ROW EXECUTE FUNCTION slow_note()");
        server.instrument("POOL");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void an_exhausted_pool_answers_503_with_retry_after_quickly() throws Exception {
        var slow = new LinkedHashMap<String, Object>(RoutesIT.note("POOL", "m", "slow"));
        try (var pool = Executors.newFixedThreadPool(2)) {
            var holders = new ArrayList<CompletableFuture<ApiServer.Response>>();
            for (int i = 0; i < 2; i++) {
                holders.add(CompletableFuture.supplyAsync(() -> server.post("/api/research", slow), pool));
            }
            awaitActiveConnections(2);

            long started = System.nanoTime();
            var r = server.get("/api/research/latest?limit=5");
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.error()).isEqualTo("unavailable");
            assertThat(r.header("Retry-After")).isEqualTo("1");
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(900)).isLessThan(Duration.ofMillis(2500));
            assertThat(server.get("/health/live").status()).isEqualTo(200);

            List<Integer> statuses = holders.stream().map(CompletableFuture::join).map(ApiServer.Response::status).toList();
            assertThat(statuses).containsOnly(201);
        }
        // The pool recovers as soon as the slow statements end.
        assertThat(server.get("/api/research/latest?limit=5").status()).isEqualTo(200);
    }

    private static void awaitActiveConnections(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (server.database.stats().active() < n) {
            assertThat(System.nanoTime()).as("both slow requests hold a connection").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
