package io.tradingdesk.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A bad variable stops start-up at once: exit code 2, one line on stderr naming it, no stack trace, no secret. */
class ConfigErrorIT {
    private static final Duration QUICKLY = Duration.ofSeconds(15);
    private static final String DATABASE_URL = "postgresql://desk:url-secret@127.0.0.1:5432/desk";

    @TempDir
    Path work;

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "DB_MAX_POOL_SIZE    | abc",
            "SHUTDOWN_GRACE      | -1",
            "DB_MIGRATE_ON_START | perhaps",
            "LOG_LEVEL           | LOUD",
            "PORT                | 70000",
            "API_AUTH            | all",
            "API_AUTH            | sometimes",
            "METRICS_TOKEN       | short",
    })
    void aBadVariableExitsTwoWithOneLineNamingIt(String name, String value) throws Exception {
        try (var app = AppProcess.start(work, Map.of("DATABASE_URL", DATABASE_URL, name, value))) {
            assertThat(app.awaitExit(QUICKLY)).as(app.output()).isEqualTo(2);

            assertThat(app.errors().lines().toList()).as(app.output()).singleElement()
                    .satisfies(line -> assertThat(line).startsWith("configuration error: " + name + ":"));
            assertThat(app.errors()).doesNotContain("Exception", "\tat ", "url-secret");
            assertThat(app.log()).isEmpty();
        }
    }

    @Test
    void withoutATokenANonLoopbackHostIsRefusedInOneLineNamingTheWayOut() throws Exception {
        try (var app = AppProcess.start(work, Map.of("DATABASE_URL", DATABASE_URL, "HOST", "0.0.0.0"))) {
            assertThat(app.awaitExit(QUICKLY)).as(app.output()).isEqualTo(2);

            assertThat(app.errors()).isEqualTo("configuration error: HOST: 0.0.0.0 is not a loopback address and"
                    + " API_TOKEN is unset, so anyone who can reach it could read and change the desk's data (set"
                    + " API_TOKEN, or HOST=127.0.0.1, or API_AUTH=off to serve it open on purpose)\n");
        }
    }

    @Test
    void apiAuthOffWithATokenIsRefusedWithoutPrintingTheToken() throws Exception {
        String token = "config-token-0123456789";
        try (var app = AppProcess.start(work, Map.of("DATABASE_URL", DATABASE_URL, "API_TOKEN", token,
                "API_AUTH", "off"))) {
            assertThat(app.awaitExit(QUICKLY)).as(app.output()).isEqualTo(2);

            assertThat(app.errors()).startsWith("configuration error: API_AUTH: off while API_TOKEN is set")
                    .doesNotContain(token);
        }
    }

    @Test
    void aMalformedDatabaseUrlIsReportedWithItsPasswordMasked() throws Exception {
        try (var app = AppProcess.start(work, Map.of("DATABASE_URL", "postgresql://desk:url-secret@db/desk?bogus=1"))) {
            assertThat(app.awaitExit(QUICKLY)).as(app.output()).isEqualTo(2);

            assertThat(app.errors()).startsWith("configuration error: DATABASE_URL:").doesNotContain("url-secret");
        }
    }

    @Test
    void withoutDatabaseUrlABadVariableStopsBeforeTheEmbeddedDatabaseStarts() throws Exception {
        Path dataDir = work.resolve("data");
        try (var app = AppProcess.start(work, Map.of("DATA_DIR", dataDir.toString(), "DB_MAX_POOL_SIZE", "abc"))) {
            assertThat(app.awaitExit(QUICKLY)).as(app.output()).isEqualTo(2);

            assertThat(app.errors()).startsWith("configuration error: DB_MAX_POOL_SIZE:");
            assertThat(dataDir).doesNotExist();
        }
    }
}
