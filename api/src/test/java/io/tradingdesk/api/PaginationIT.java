package io.tradingdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keyset pages stay exact while other clients insert: no duplicates, no gaps. */
class PaginationIT {
    private static ApiServer server;

    @BeforeAll
    static void start() {
        server = ApiServer.start("api_pages");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void paging_while_a_writer_inserts_returns_every_existing_note_exactly_once() throws Exception {
        server.instrument("PAGE");
        Set<Long> existing = new HashSet<>();
        for (int i = 0; i < 150; i++) {
            existing.add(server.post("/api/research", RoutesIT.note("PAGE", "m" + (i % 3), "before " + i))
                    .json().get("id").asLong());
        }
        var stop = new AtomicBoolean();
        var written = new AtomicInteger();
        Thread writer = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                server.post("/api/research", RoutesIT.note("PAGE", "writer", "during"));
                written.incrementAndGet();
            }
        });
        List<Long> seen = new ArrayList<>();
        try {
            String cursor = null;
            int pages = 0;
            do {
                var r = server.get("/api/research?symbol=PAGE&limit=7" + (cursor == null ? "" : "&cursor=" + cursor));
                assertThat(r.status()).isEqualTo(200);
                JsonNode body = r.json();
                body.get("items").forEach(item -> seen.add(item.get("id").asLong()));
                cursor = body.get("nextCursor").isNull() ? null : body.get("nextCursor").asText();
                pages++;
                Thread.sleep(5);   // give the writer time to interleave
            } while (cursor != null);
            assertThat(pages).isGreaterThan(20);
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(written.get()).isPositive();
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(seen).containsAll(existing);
        assertThat(seen).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    }
}
