package io.tradingdesk.app.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.api.ApiConfig;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.DbConfig;
import io.tradingdesk.embedded.EmbeddedPostgres;
import io.tradingdesk.migrations.Migrations;
import io.tradingdesk.testkit.Client;
import io.tradingdesk.testkit.Desk;
import io.tradingdesk.testkit.Ledger;
import io.tradingdesk.testkit.Load;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #5, point 8b: a whole run of the service, start-up to shutdown, with a password in DATABASE_URL and an
 * API_TOKEN, leaks neither: not in any log line (our loggers at DEBUG, every library at INFO, stack traces
 * included), not in /api/health, /metrics, /openapi.json or any error body, not in the exception a wrong password
 * or an unreachable database produces.
 */
@Tag("security")
@Timeout(180)
class SecretsIT {
    private static final Logger LOG = LoggerFactory.getLogger(SecretsIT.class);

    @Test
    void noLogLineNorResponseOfAFullRunContainsTheDatabasePasswordOrTheApiToken() throws Exception {
        String password = "pw-" + UUID.randomUUID();
        String token = "tok-" + UUID.randomUUID();
        String wrongPassword = "wrong-" + UUID.randomUUID();
        List<String> secrets = List.of(password, token, wrongPassword,
                URLEncoder.encode(password, StandardCharsets.UTF_8), URLEncoder.encode(token, StandardCharsets.UTF_8));
        var bodies = new ArrayList<String>();
        Logs.quiet();
        Logs.level("io.tradingdesk", Level.DEBUG);
        Logs.level("com.zaxxer.hikari", Level.DEBUG);
        Logs.level("org.flywaydb", Level.INFO);
        Logs.level("io.javalin", Level.INFO);
        Logs.level("org.eclipse.jetty", Level.INFO);
        try (Logs logs = Logs.capture(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
            try (EmbeddedPostgres pg = Clusters.start(password, Map.of())) {
                pg.createDatabase("secrets");
                var env = new HashMap<>(Stack.environment(pg, "secrets", "postgres", password,
                        Map.of("API_TOKEN", token, "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "4",
                                "DB_ACQUIRE_TIMEOUT", "1", "DB_START_TIMEOUT", "2")));
                // Start-up as Main does it: configuration printed, migrations with the password, the pool, the API.
                DbConfig dbConfig = DbConfig.from(env);
                ApiConfig apiConfig = ApiConfig.from(env);
                LOG.info("configuration: {}, {}", apiConfig, dbConfig);
                LOG.info("database url: {}", dbConfig.url());
                Migrations.migrate(pg.jdbcUrl("secrets"), "postgres", password);

                // A wrong password and an unreachable server: the exceptions, and their logging, must stay clean.
                var wrong = new HashMap<>(env);
                wrong.put("DATABASE_URL", env.get("DATABASE_URL").replace(URLEncoder.encode(password,
                        StandardCharsets.UTF_8), wrongPassword));
                Throwable refused = catchThrowable(() -> Database.start(DbConfig.from(wrong), new SimpleMeterRegistry()));
                assertThat(refused).as("start with a wrong password").isNotNull();
                LOG.error("start-up failed", refused);
                bodies.add(String.valueOf(refused));

                try (Stack stack = Stack.startWith(pg, "secrets", password, env);
                     Client right = new Client(stack.port(), token, Duration.ofSeconds(15));
                     Client wrongToken = new Client(stack.port(), "not-" + token, Duration.ofSeconds(15));
                     Client anonymous = new Client(stack.port(), null, Duration.ofSeconds(15))) {
                    List<String> symbols = Desk.seed(right, new Ledger(), "SC", 2);
                    var load = new Load(1_000, true);
                    var desk = new Desk(right, new Ledger(), symbols, load);
                    var rng = java.util.random.RandomGenerator.of("L64X128MixRandom");
                    desk.writeResearch(rng, "note");
                    desk.tradeFlow(rng);
                    for (String path : List.of("/api/health", "/metrics", "/openapi.json", "/health/ready",
                            "/health/live", "/api/instruments", "/api/market/snapshot", "/api/positions",
                            "/api/portfolio/summary", "/api/research/latest", "/api/no-such-route",
                            "/api/research/999999", "/api/research?limit=-1", "/api/research?cursor=forged")) {
                        bodies.add(path + " " + right.get(path));
                    }
                    bodies.add(wrongToken.post("/api/research", "{}").toString());
                    bodies.add(anonymous.post("/api/trades", "{}").toString());
                    bodies.add(right.post("/api/research", "{not json").toString());
                    bodies.add(right.post("/api/research", "{\"symbol\":\"NOPE\",\"model\":\"m\",\"title\":\"t\","
                            + "\"body\":\"" + password + "\"}").toString()); // a secret as data: 422, not echoed
                    bodies.add(right.exchange(right.request("/api/research").header("Content-Type", "text/plain")
                            .header("Authorization", "Bearer " + token)
                            .POST(HttpRequest.BodyPublishers.ofString("x")).build()).toString());
                    bodies.add(right.send("DELETE", "/api/instruments/SC000", null, true, null).toString());
                    bodies.add(right.raw(("GET /api/instruments/%00 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                            + token).getBytes(StandardCharsets.ISO_8859_1), null).toString());

                    // The database goes away for a moment: 503s and their log lines, then back.
                    pg.stop();
                    for (int i = 0; i < 3; i++) {
                        bodies.add(right.get("/api/instruments").toString());
                        bodies.add(right.get("/health/ready").toString());
                        bodies.add(right.post("/api/research", Desk.validResearch().put("symbol", "SC000")
                                .toString()).toString());
                    }
                    bodies.add(right.get("/api/health").toString());
                    pg.startAgain();
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (right.get("/health/ready").status() != 200 && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                    bodies.add(right.get("/metrics").toString());
                    assertThat(load.samples()).allSatisfy(s -> assertThat(s.status()).isBetween(200, 299));
                }
                LOG.info("stopped");
            }
            List<String> lines = logs.lines();
            assertThat(lines).as("log lines captured").hasSizeGreaterThan(20);
            assertThat(String.join("\n", lines)).as("the configuration was logged").contains("DbConfig[", "ApiConfig[");
            for (String secret : secrets) {
                assertThat(lines).as("log lines").noneMatch(line -> line.contains(secret));
                assertThat(bodies).as("response bodies and exceptions").noneMatch(body -> body.contains(secret));
            }
            System.out.printf("secrets: %d log lines and %d responses checked, no password or token in any%n",
                    lines.size(), bodies.size());
        } finally {
            Logs.quiet();
        }
    }
}
