package io.tradingdesk.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.db.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The only proof that the module graph works: the packaged module path started with {@code java -p ... -m app},
 * exactly as a user would, against a fresh database.
 */
class LaunchIT {
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final String TOKEN = "launch-token-" + UUID.randomUUID();

    @TempDir
    Path work;

    @Test
    void theModulePathStartsServesHealthAndStopsWithExitZeroOnSigterm() throws Exception {
        DatabaseUrl database = TestDatabase.fresh("launch");
        // Trust authentication ignores a password, so the log can be checked for one the server really received.
        String password = database.password() != null ? database.password() : "launch-secret-" + UUID.randomUUID();
        var withPassword = new DatabaseUrl(database.jdbcUrl(), database.user(), password, database.database(),
                database.socketDirectory(), database.properties());

        try (var app = AppProcess.start(work, Map.of(
                "DATABASE_URL", TestDatabase.environmentUrl(withPassword),
                "API_TOKEN", TOKEN,
                "DB_MIN_POOL_SIZE", "2",
                "DB_MAX_POOL_SIZE", "7",
                "SHUTDOWN_GRACE", Double.toString(GRACE.toMillis() / 1000.0)))) {
            app.awaitReady();

            assertThat(app.get("/health/live").statusCode()).isEqualTo(200);
            assertThat(app.get("/api/health").statusCode()).as("a token is set: reads need it").isEqualTo(401);
            var health = app.get("/api/health", TOKEN);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/json"));
            assertThat(health.body()).as("pool statistics with DB_MAX_POOL_SIZE")
                    .containsPattern("\"pool\"\\s*:\\s*\\{")
                    .containsPattern("\"max\"\\s*:\\s*7\\b");
            // Swagger UI's files come from an automatic module without packages: readable on the module path too.
            var styles = app.get("/docs/swagger-ui.css");
            assertThat(styles.statusCode()).as("GET /docs/swagger-ui.css without a token").isEqualTo(200);
            assertThat(styles.headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
            assertThat(styles.body()).contains(".swagger-ui");

            int exit = app.terminate(GRACE.plusSeconds(10));

            String log = app.log();
            assertThat(exit).as("exit code after SIGTERM\n%s", app.output()).isZero();
            assertThat(log)
                    .contains("configuration: AppConfig[")
                    .containsPattern("migrations: \\d+ applied, schema at version \\d+")
                    .contains("pool started")
                    .contains("listening on http://127.0.0.1:" + app.port())
                    .contains("stopped (SIGTERM)");
            assertThat(log + app.errors()).doesNotContain(password).doesNotContain(TOKEN);
            assertThat(app.errors()).doesNotContain("Exception");
        }
    }
}
