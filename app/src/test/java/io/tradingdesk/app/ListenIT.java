package io.tradingdesk.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.db.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the server listens and what it checks, as a user starts it: without API_TOKEN on 127.0.0.1 by default;
 * beyond loopback with nothing checked only when API_AUTH=off says so, and then with one warning in the log. (The
 * refusal of a non-loopback HOST without a token is in {@link ConfigErrorIT}.)
 */
class ListenIT {
    private static final Duration STOP_WITHIN = Duration.ofSeconds(20);
    private static final String INSTRUMENT = """
            {"name": "Listen check", "assetClass": "equity", "currency": "USD"}""";

    @TempDir
    Path work;

    @Test
    void withoutHostOrTokenTheServerListensOnLoopbackOnlyAndChecksNothing() throws Exception {
        String url = TestDatabase.environmentUrl(TestDatabase.fresh("listen_default"));
        // A blank HOST counts as unset (AppProcess would set 127.0.0.1 itself).
        try (var app = AppProcess.start(work, Map.of("DATABASE_URL", url, "HOST", ""))) {
            app.awaitReady();
            assertThat(app.put("/api/instruments/LISTEN", INSTRUMENT, null).statusCode()).isEqualTo(201);
            assertThat(app.get("/api/positions").statusCode()).isEqualTo(200);
            assertThat(app.terminate(STOP_WITHIN)).as(app.output()).isZero();
            assertThat(app.log()).contains("listening on http://127.0.0.1:" + app.port())
                    .contains("auth=off").doesNotContain("WARN");
        }
    }

    @Test
    void apiAuthOffOnEveryInterfaceStartsWithOneWarningAndChecksNoToken() throws Exception {
        String url = TestDatabase.environmentUrl(TestDatabase.fresh("listen_open"));
        try (var app = AppProcess.start(work, Map.of("DATABASE_URL", url, "HOST", "0.0.0.0", "API_AUTH", "off"))) {
            app.awaitReady();
            assertThat(app.put("/api/instruments/OPEN", INSTRUMENT, null).statusCode()).isEqualTo(201);
            assertThat(app.terminate(STOP_WITHIN)).as(app.output()).isZero();
            assertThat(app.log().lines().filter(line -> line.contains(" WARN ")).toList()).singleElement()
                    .satisfies(line -> assertThat(line).contains("API_AUTH=off on HOST=0.0.0.0: no route checks a"
                            + " token"));
            assertThat(app.log()).contains("listening on http://0.0.0.0:" + app.port());
        }
    }
}
