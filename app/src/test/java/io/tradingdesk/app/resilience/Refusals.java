package io.tradingdesk.app.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tradingdesk.testkit.Desk;
import io.tradingdesk.testkit.Reply;

/** How a refused request must look: a 4xx in the one error shape, with nothing of the server's insides in it. */
final class Refusals {
    private Refusals() {
    }

    /** A 4xx in the error shape, without stack traces, SQL or driver names. */
    static void assertRefused(Reply r, String what) {
        assertThat(r.status()).as("%s -> %s", abbreviate(what), r).isBetween(400, 499);
        assertErrorShape(r);
        assertClean(r, what);
    }

    static void assertErrorShape(Reply r) {
        JsonNode node;
        try {
            node = Desk.JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new AssertionError("error body is not JSON: " + r, e);
        }
        assertThat(node != null && node.isObject()).as("JSON object body: %s", r).isTrue();
        assertThat(node.path("error").isTextual()).as("error code in %s", r).isTrue();
        assertThat(node.path("message").isTextual()).as("message in %s", r).isTrue();
        assertThat(node.path("details").isObject()).as("details object in %s", r).isTrue();
    }

    static void assertClean(Reply r, String what) {
        assertThat(r.body()).as("body of %s", abbreviate(what))
                .doesNotContain("Exception", "\tat ", "at io.", "at org.", "at java.", "SQLSTATE", "PSQL",
                        "org.postgresql", "jdbc:");
    }

    static String abbreviate(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "...(" + s.length() + " chars)" : s;
    }
}
