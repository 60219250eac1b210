package io.tradingdesk.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.db.testing.TestDatabase;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drain a load balancer needs, on the packaged server: after SIGTERM, {@code /health/ready} answers 503 at once
 * while the API keeps serving for {@code SHUTDOWN_DRAIN}; then the server stops and exits 0. SIGINT skips the drain.
 */
class DrainIT {
    private static final Duration DRAIN = Duration.ofSeconds(4);

    @TempDir
    Path work;

    @Test
    void sigtermAnswersNotReadyButKeepsServingForTheDrainThenExitsZero() throws Exception {
        String url = TestDatabase.environmentUrl(TestDatabase.fresh("drain"));
        try (var app = AppProcess.start(work, Map.of("DATABASE_URL", url, "DB_MIN_POOL_SIZE", "1",
                "SHUTDOWN_DRAIN", Long.toString(DRAIN.toSeconds()), "SHUTDOWN_GRACE", "5"))) {
            app.awaitReady();

            long signalled = System.nanoTime();
            app.signalTerm();
            HttpResponse<String> ready = awaitReadiness(app, 503);
            assertThat(ready.body()).contains("\"status\":\"draining\"");
            HttpResponse<String> served = app.get("/api/instruments");
            long sinceSignal = System.nanoTime() - signalled;
            assertThat(served.statusCode()).as("a route during the drain").isEqualTo(200);
            assertThat(served.headers().firstValue("Connection")).hasValue("close");
            assertThat(app.isAlive()).isTrue();
            assertThat(Duration.ofNanos(sinceSignal)).as("checked within the drain").isLessThan(DRAIN);

            int exit = app.awaitExit(DRAIN.plusSeconds(30));
            assertThat(exit).as("exit code\n%s", app.output()).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - signalled)).as("the drain was waited for")
                    .isGreaterThanOrEqualTo(DRAIN);
            assertThat(app.log()).contains("draining (SIGTERM) for 4000 ms before stopping")
                    .contains("stopped (SIGTERM)");
        }
    }

    @Test
    void sigintStopsWithoutDraining() throws Exception {
        String url = TestDatabase.environmentUrl(TestDatabase.fresh("drain_int"));
        try (var app = AppProcess.start(work, Map.of("DATABASE_URL", url, "DB_MIN_POOL_SIZE", "1",
                "SHUTDOWN_DRAIN", "600"))) {
            app.awaitReady();
            app.signal("INT");
            assertThat(app.awaitExit(Duration.ofSeconds(60))).as("exit code\n%s", app.output()).isZero();
            assertThat(app.log()).doesNotContain("draining").contains("stopped (SIGINT)");
        }
    }

    private static HttpResponse<String> awaitReadiness(AppProcess app, int status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (true) {
            HttpResponse<String> r = app.get("/health/ready");
            if (r.statusCode() == status || System.nanoTime() > deadline) {
                assertThat(r.statusCode()).as("/health/ready after SIGTERM: %s", r.body()).isEqualTo(status);
                return r;
            }
            Thread.sleep(50);
        }
    }
}
