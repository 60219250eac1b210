package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tradingdesk.api.ApiConfig;
import io.tradingdesk.api.HttpApi;
import io.tradingdesk.loadtest.LoadDriver.Request;
import io.tradingdesk.loadtest.LoadDriver.RequestFactory;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.db.PoolStats;
import io.tradingdesk.db.testing.TestDatabase;
import io.tradingdesk.migrations.Migrations;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The report's pool-exhaustion test at the HTTP level: 200 concurrent clients against the real server whose pool
 * has 50 connections (4x oversubscribed). Requests must queue for a connection, not fail, and PostgreSQL must never
 * see more than 50 sessions of the pool, as an observer outside the pool counts them in pg_stat_activity.
 */
@Tag("load")
class HttpPoolExhaustionIT {

    private static final int POOL_SIZE = 50;
    private static final int CLIENTS = 200;
    private static final Duration LOAD = Duration.ofSeconds(10);
    private static final int INSTRUMENTS = 20;
    private static final int NOTES = 300;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String appName = "httpload-" + UUID.randomUUID().toString().substring(0, 8);
    private PrometheusMeterRegistry registry;
    private Database database;
    private HttpApi api;
    private URI base;
    private HttpClient http;

    @BeforeEach
    void startServer() {
        DatabaseUrl url = TestDatabase.fresh("httpload");
        Migrations.migrate(url.jdbcUrl(), url.user(), url.password());
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        database = Database.start(TestDatabase.config(url, Map.of(
                "DB_MAX_POOL_SIZE", Integer.toString(POOL_SIZE),
                "DB_MIN_POOL_SIZE", "10",
                "DB_APPLICATION_NAME", appName)), registry);
        api = HttpApi.create(ApiConfig.from(Map.of("PORT", "0", "HOST", "127.0.0.1")), database, registry, () -> true);
        api.start();
        base = URI.create("http://127.0.0.1:" + api.port());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stopServer() {
        if (http != null) {
            http.close();
        }
        if (api != null) {
            api.stop(Duration.ofSeconds(5));
        }
        if (database != null) {
            database.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void two_hundred_clients_on_a_pool_of_fifty_queue_without_failures_and_never_exceed_fifty_connections()
            throws Exception {
        List<Long> noteIds = seed();
        RequestFactory mix = mixedReadsAndWrites(noteIds);

        var max = new AtomicInteger();
        var samples = new AtomicInteger();
        var observerErrors = new ConcurrentLinkedQueue<String>();
        var running = new AtomicBoolean(true);
        Thread observer = Thread.ofPlatform().name("pg-stat-activity-observer").start(() -> {
            while (running.get()) {
                try {
                    int n = TestDatabase.serverConnections(appName);
                    max.accumulateAndGet(n, Math::max);
                    samples.incrementAndGet();
                } catch (RuntimeException e) {
                    observerErrors.add(e.getMessage());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        LoadResult result;
        try (var driver = new LoadDriver(base)) {
            result = driver.run(mix, CLIENTS, LOAD);
        } finally {
            running.set(false);
            observer.join(5_000);
        }
        PoolStats pool = database.stats();

        System.out.printf("HttpPoolExhaustionIT: %s; pg_stat_activity max %d connections over %d samples;"
                        + " pool total %d, created %d, acquisitions %d, refused %d, acquire timeouts %d, reuse %.4f%n",
                result.summary(), max.get(), samples.get(), pool.total(), pool.created(), pool.acquisitions(),
                pool.refused(), pool.acquireTimeouts(), pool.reuseRate());

        assertThat(result.requests()).as("requests completed").isGreaterThan(CLIENTS);
        assertThat(result.failed()).as("failed requests by status: %s", result.failures()).isZero();
        assertThat(observerErrors).as("observer errors").isEmpty();
        // ~500 samples on an idle machine; far fewer when the observer competes for CPU, but never a handful.
        assertThat(samples.get()).as("pg_stat_activity samples").isGreaterThan(25);
        assertThat(max.get()).as("most server connections of the pool seen at once")
                .isPositive()
                .isLessThanOrEqualTo(POOL_SIZE);
        assertThat(pool.created()).as("physical connections ever opened").isLessThanOrEqualTo(POOL_SIZE);
        assertThat(pool.refused() + pool.acquireTimeouts()).as("callers refused or timed out").isZero();
    }

    /** Half point reads of random seeded notes, half new pitches on seeded instruments. */
    private static RequestFactory mixedReadsAndWrites(List<Long> noteIds) {
        RequestFactory pitches = Workload.pitches(INSTRUMENTS);
        long[] ids = noteIds.stream().mapToLong(Long::longValue).toArray();
        return random -> random.nextBoolean()
                ? Request.get("/api/research/" + ids[random.nextInt(ids.length)])
                : pitches.next(random);
    }

    /** Instruments and notes through the public API; returns the notes' ids. */
    private List<Long> seed() throws Exception {
        for (int i = 0; i < INSTRUMENTS; i++) {
            String symbol = Workload.symbolAt(i);
            var r = send("PUT", "/api/instruments/" + symbol,
                    "{\"name\":\"Load test instrument " + symbol + "\",\"assetClass\":\"equity\",\"currency\":\"USD\"}");
            assertThat(r.statusCode()).as("PUT instrument %s: %s", symbol, r.body()).isIn(200, 201);
        }
        var ids = new ArrayList<Long>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var futures = new ArrayList<Future<HttpResponse<String>>>();
            for (int i = 0; i < NOTES; i++) {
                String symbol = Workload.symbolAt(i % INSTRUMENTS);
                String body = "{\"symbol\":\"" + symbol + "\",\"model\":\"momentum\",\"title\":\"Note " + i
                        + "\",\"body\":\"Seeded by HttpPoolExhaustionIT.\",\"payload\":{\"score\":0.5},"
                        + "\"tags\":[\"loadtest\"]}";
                futures.add(pool.submit(() -> send("POST", "/api/research", body)));
                if (futures.size() == 20 || i == NOTES - 1) {
                    for (var f : futures) {
                        HttpResponse<String> r = f.get();
                        assertThat(r.statusCode()).as("POST /api/research: %s", r.body()).isEqualTo(201);
                        ids.add(idOf(r.body()));
                    }
                    futures.clear();
                }
            }
        }
        assertThat(ids).hasSize(NOTES).doesNotHaveDuplicates();
        return ids;
    }

    /** A created resource; Jackson reads its id whether the server writes it as a JSON number or a string. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Created(long id) {
    }

    private static long idOf(String body) throws IOException {
        return JSON.readValue(body, Created.class).id();
    }

    private HttpResponse<String> send(String method, String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
