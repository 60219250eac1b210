package io.tradingdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.db.testing.TestDatabase;
import io.tradingdesk.embedded.EmbeddedPostgres;
import io.tradingdesk.migrations.Migrations;
import java.time.Duration;
import java.util.Map;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /api/health follows the database: 503 while it is down, 200 again once it is back, without a restart. */
class DatabaseOutageIT {
    private static EmbeddedPostgres postgres;
    private static ApiServer server;

    @BeforeAll
    static void start() {
        postgres = EmbeddedPostgres.builder().start();
        DatabaseUrl url = DatabaseUrl.parse(postgres.jdbcUrl("postgres") + "?user=" + postgres.superuser());
        Migrations.migrate(url.jdbcUrl(), url.user(), url.password());
        server = ApiServer.start(url, TestDatabase.config(url, Map.of("DB_MIN_POOL_SIZE", "2", "DB_MAX_POOL_SIZE", "4",
                "DB_HEALTH_TIMEOUT", "1", "DB_CONNECT_TIMEOUT", "1", "DB_ACQUIRE_TIMEOUT", "2")), Map.of());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void health_turns_503_while_the_database_is_down_and_200_when_it_returns() throws Exception {
        assertThat(server.get("/api/health").status()).isEqualTo(200);

        postgres.stop();
        var down = awaitStatus("/api/health", s -> s == 503);
        assertThat(down.json().get("status").asText()).isEqualTo("down");
        assertThat(down.json().at("/database/reachable").asBoolean()).isFalse();
        assertThat(server.get("/health/ready").status()).isEqualTo(503);
        assertThat(server.get("/health/live").status()).isEqualTo(200);
        var query = server.get("/api/instruments");
        assertThat(query.status()).isEqualTo(503);
        assertThat(query.error()).isEqualTo("unavailable");
        assertThat(query.header("Retry-After")).isEqualTo("1");

        postgres.startAgain();
        var up = awaitStatus("/api/health", s -> s == 200);
        assertThat(up.json().at("/database/reachable").asBoolean()).isTrue();
        assertThat(awaitStatus("/api/instruments", s -> s == 200).json().has("items")).isTrue();
        assertThat(server.get("/health/ready").status()).isEqualTo(200);
    }

    private static ApiServer.Response awaitStatus(String path, IntPredicate wanted) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            var r = server.get(path);
            if (wanted.test(r.status()) || System.nanoTime() > deadline) {
                return r;
            }
            Thread.sleep(200);
        }
    }
}
