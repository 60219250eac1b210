package io.tradingdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.db.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** stop(grace) lets a request in flight finish before the server goes away; a drain before it keeps serving. */
class GracefulStopIT {

    @Test
    void a_draining_server_is_not_ready_but_serves_every_route_with_connection_close() {
        try (var server = ApiServer.start("api_drain")) {
            server.instrument("DRAIN");
            assertThat(server.get("/health/ready").status()).isEqualTo(200);

            server.api.startDraining();

            var ready = server.get("/health/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().get("status").asText()).isEqualTo("draining");
            var read = server.get("/api/instruments/DRAIN");
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.header("Connection")).isEqualTo("close");
            assertThat(server.get("/health/live").status()).isEqualTo(200);
            assertThat(server.api.draining()).isTrue();
        }
    }

    @Test
    void a_request_in_flight_completes_during_a_graceful_stop() throws Exception {
        var server = ApiServer.start("api_stop");
        try {
            TestDatabase.execute(server.url, """
                    CREATE FUNCTION slow_note() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.title = 'slow' THEN PERFORM pg_sleep(1.5); END IF;
                        RETURN NEW;
                    END $$""");
            TestDatabase.execute(server.url, "CREATE TRIGGER research_notes_slow BEFORE INSERT ON research_notes "
                    + "FOR EACH ROW EXECUTE FUNCTION slow_note()");
            server.instrument("STOP");
            var inFlight = CompletableFuture.supplyAsync(() -> server.post("/api/research",
                    RoutesIT.note("STOP", "m", "slow")));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (server.database.stats().active() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            server.api.stop(Duration.ofSeconds(10));
            assertThat(inFlight.get().status()).isEqualTo(201);
        } finally {
            server.database.close();
        }
    }
}
