package io.tradingdesk.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * The iterations of the k6 scripts, in Java: the same requests, bodies, tags ({@code name}, {@code kind}) and checks
 * as the scripts' default (and warmup) functions with lib/api.js, lib/data.js and lib/checks.js, so that the Java
 * runs put the same load on the server and are judged on the same samples. Bodies are built and answers parsed as
 * JSON, as k6 does. Stateless and thread-safe; every method returns an {@link K6Runner.Iteration} for one script.
 */
final class K6Iterations {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MODELS = List.of("momentum", "mean-reversion", "value", "carry", "pairs",
            "breakout");
    private static final int LATEST_LIMIT = 10;

    private final Dataset data;

    /** {@code data}: the note ids and the instrument universe (LTAAA..) the scripts' setup() would have seeded. */
    K6Iterations(Dataset data) {
        this.data = data;
    }

    /** simple-reads.js: the ten latest notes, each with id, symbol and createdAt. */
    K6Runner.Iteration simpleReads() {
        return vu -> vu.expectJson(latest(vu), "GET /api/research/latest", 200, b -> hasItems(b,
                n -> hasFields(n, "id", "symbol", "createdAt")) && b.get("items").size() == LATEST_LIMIT);
    }

    /** point-reads.js: a random note by id, every field present, the id the one asked for. */
    K6Runner.Iteration pointReads() {
        return vu -> {
            long id = noteId(vu.random());
            vu.expectJson(vu.get("/api/research/" + id, "GET /api/research/{id}", "simple"), "GET /api/research/{id}",
                    200, b -> hasFields(b, "id", "symbol", "model", "title", "body", "payload", "tags", "createdAt")
                            && b.get("id").asText().equals(Long.toString(id)));
        };
    }

    /** writes.js: a pitch on one of 50 instruments; 201, a draft of the same symbol and side. */
    K6Runner.Iteration writes() {
        return vu -> {
            ObjectNode pitch = pitchBody(symbol(vu.random(), 50), null, vu.random());
            vu.expectJson(vu.post("/api/pitches", pitch.toString(), "POST /api/pitches", "write"), "POST /api/pitches",
                    201, b -> hasFields(b, "id", "version") && "draft".equals(b.path("status").asText())
                            && pitch.get("symbol").asText().equals(b.path("symbol").asText())
                            && pitch.get("side").asText().equals(b.path("side").asText()));
        };
    }

    /** complex.js: the market snapshot, at least every seeded instrument with its figures. */
    K6Runner.Iteration complex() {
        return vu -> vu.expectJson(vu.get("/api/market/snapshot", "GET /api/market/snapshot", "complex"),
                "GET /api/market/snapshot", 200, b -> hasItems(b,
                        i -> hasFields(i, "symbol", "lastClose", "change1d", "change7d", "volume30d"))
                        && b.get("items").size() >= data.instruments());
    }

    /** exhaustion.js: a point read, the latest notes, a bars range and a pitch in turn; a 503 is counted. */
    K6Runner.Iteration exhaustion() {
        return vu -> {
            RandomGenerator random = vu.random();
            K6Vu.Response res;
            switch ((int) (vu.nextIteration() % 4)) {
                case 0 -> {
                    res = vu.get("/api/research/" + noteId(random), "GET /api/research/{id}", "simple");
                    vu.expectJson(res, "GET /api/research/{id}", 200, b -> hasFields(b, "id", "symbol"));
                }
                case 1 -> {
                    res = latest(vu);
                    vu.expectJson(res, "GET /api/research/latest", 200, b -> hasItems(b, null));
                }
                case 2 -> {
                    res = bars(vu, symbol(random, 50));
                    vu.expectJson(res, "GET /api/market/bars/{symbol}", 200, b -> hasItems(b, null));
                }
                default -> {
                    res = vu.post("/api/pitches", pitchBody(symbol(random, 50), null, random).toString(),
                            "POST /api/pitches", "write");
                    vu.expectJson(res, "POST /api/pitches", 201, b -> hasFields(b, "id", "version"));
                }
            }
            if (res.status() == 503) {
                vu.add("pool_exhausted_503", 1);
            }
        };
    }

    /** sustained.js and sustained-rate.js: the ten latest notes. */
    K6Runner.Iteration latestNotes() {
        return vu -> vu.expectJson(latest(vu), "GET /api/research/latest", 200, b -> hasItems(b, null));
    }

    /** mixed.js default: one action of the mix, then up to {@code thinkTime} of think time. */
    K6Runner.Iteration mixed(Duration thinkTime) {
        return vu -> {
            action(vu);
            vu.sleep(Duration.ofNanos((long) (vu.random().nextDouble() * thinkTime.toNanos())));
        };
    }

    /** mixed.js warmup: one action of the mix without think time. */
    K6Runner.Iteration mixedWarmup() {
        return this::action;
    }

    /** 70 % reads, 15 % writes, 10 % snapshot, 5 % the trade flow, as mixed.js draws them. */
    private void action(K6Vu vu) {
        RandomGenerator random = vu.random();
        double dice = random.nextDouble() * 100;
        if (dice < 70) {
            read(vu, random);
        } else if (dice < 85) {
            write(vu, random);
        } else if (dice < 95) {
            vu.expectJson(vu.get("/api/market/snapshot", "GET /api/market/snapshot", "complex"),
                    "GET /api/market/snapshot", 200, b -> hasItems(b, null));
        } else {
            tradeFlow(vu, random);
        }
    }

    private void read(K6Vu vu, RandomGenerator random) {
        double dice = random.nextDouble() * 70;
        if (dice < 25) {
            vu.expectJson(latest(vu), "GET /api/research/latest", 200, b -> hasItems(b, null));
        } else if (dice < 50) {
            vu.expectJson(vu.get("/api/research/" + noteId(random), "GET /api/research/{id}", "simple"),
                    "GET /api/research/{id}", 200, b -> hasFields(b, "id", "symbol"));
        } else if (dice < 60) {
            vu.expectJson(bars(vu, symbol(random, data.instruments())), "GET /api/market/bars/{symbol}", 200,
                    b -> hasItems(b, null));
        } else {
            vu.expectJson(vu.get("/api/pitches?limit=20", "GET /api/pitches", "simple"), "GET /api/pitches", 200,
                    b -> hasItems(b, null));
        }
    }

    private void write(K6Vu vu, RandomGenerator random) {
        String symbol = symbol(random, data.instruments());
        if (random.nextDouble() < 0.5) {
            vu.expectJson(vu.post("/api/research", noteBody(symbol, random).toString(), "POST /api/research", "write"),
                    "POST /api/research", 201, b -> hasFields(b, "id", "createdAt"));
        } else {
            vu.expectJson(vu.post("/api/pitches", pitchBody(symbol, null, random).toString(), "POST /api/pitches",
                    "write"), "POST /api/pitches", 201, b -> hasFields(b, "id", "version"));
        }
    }

    /** create pitch -> approve (optimistic version) -> trade with an Idempotency-Key -> replay -> executed. */
    private void tradeFlow(K6Vu vu, RandomGenerator random) {
        long started = System.nanoTime();
        ObjectNode pitch = pitchBody(symbol(random, data.instruments()), "buy", random);
        pitch.putArray("researchIds").add(noteId(random));
        JsonNode created = vu.expectJson(vu.post("/api/pitches", pitch.toString(), "POST /api/pitches", "write"),
                "POST /api/pitches", 201, b -> hasFields(b, "id", "version") && "draft".equals(b.path("status").asText()));
        if (created == null) {
            return;
        }
        String id = created.get("id").asText();
        ObjectNode status = JSON.createObjectNode().put("status", "approved");
        status.set("version", created.get("version"));
        JsonNode approved = vu.expectJson(vu.patch("/api/pitches/" + id + "/status", status.toString(),
                "PATCH /api/pitches/{id}/status", "write"), "PATCH /api/pitches/{id}/status", 200,
                b -> "approved".equals(b.path("status").asText()) && b.path("version").isNumber()
                        && !b.get("version").equals(created.get("version")));
        if (approved == null) {
            return;
        }
        String key = UUID.randomUUID().toString();
        ObjectNode order = JSON.createObjectNode();
        order.set("pitchId", created.get("id"));
        order.put("quantity", (random.nextInt(100) + 1) * 10);
        order.set("price", pitch.get("entryPrice"));
        JsonNode trade = vu.expectJson(vu.post("/api/trades", order.toString(), "POST /api/trades", "write", key),
                "POST /api/trades", 201, b -> hasFields(b, "id")
                        && (!b.has("pitchId") || b.get("pitchId").asText().equals(id)));
        if (trade == null) {
            return;
        }
        vu.expectJson(vu.post("/api/trades", order.toString(), "POST /api/trades", "write", key),
                "POST /api/trades (idempotent replay)", new int[] {200, 201},
                b -> hasFields(b, "id") && b.get("id").asText().equals(trade.get("id").asText()));
        vu.expectJson(vu.get("/api/pitches/" + id, "GET /api/pitches/{id}", "simple"), "GET /api/pitches/{id}", 200,
                b -> "executed".equals(b.path("status").asText()));
        vu.add("trades_executed", 1);
        vu.add("trade_flow_duration", (System.nanoTime() - started) / 1e6);
    }

    private static K6Vu.Response latest(K6Vu vu) {
        return vu.get("/api/research/latest?limit=" + LATEST_LIMIT, "GET /api/research/latest", "simple");
    }

    private static K6Vu.Response bars(K6Vu vu, String symbol) {
        return vu.get("/api/market/bars/" + symbol + "?limit=30", "GET /api/market/bars/{symbol}", "simple");
    }

    private long noteId(RandomGenerator random) {
        return random.nextLong(data.minNoteId(), data.maxNoteId() + 1);
    }

    private static String symbol(RandomGenerator random, int universe) {
        return Workload.symbolAt(random.nextInt(universe));
    }

    /** lib/data.js pitchBody: entry 10..500, target and stop on the right sides, confidence 0.5..0.95. */
    static ObjectNode pitchBody(String symbol, String side, RandomGenerator random) {
        String s = side != null ? side : random.nextBoolean() ? "buy" : "sell";
        double entry = cents(10 + random.nextDouble() * 490);
        double up = cents(entry * (1.05 + random.nextDouble() * 0.20));
        double down = cents(entry * (0.80 + random.nextDouble() * 0.15));
        return JSON.createObjectNode()
                .put("symbol", symbol)
                .put("side", s)
                .put("thesis", "Load-test " + s + " thesis for " + symbol + ": entry " + entry
                        + ", risk/reward skewed by the model signal.")
                .put("entryPrice", entry)
                .put("targetPrice", "buy".equals(s) ? up : down)
                .put("stopPrice", "buy".equals(s) ? down : up)
                .put("confidence", cents(0.5 + random.nextDouble() * 0.45));
    }

    /** lib/data.js noteBody: a model's note with a small feature vector in the payload. */
    static ObjectNode noteBody(String symbol, RandomGenerator random) {
        String model = MODELS.get(random.nextInt(MODELS.size()));
        double score = cents(-1 + random.nextDouble() * 2);
        ObjectNode note = JSON.createObjectNode()
                .put("symbol", symbol)
                .put("model", model)
                .put("title", model + " signal on " + symbol)
                .put("body", "Load-test note. The " + model + " model scores " + symbol + " at " + score + " over a "
                        + (5 + random.nextInt(56)) + "-day horizon; see payload for the feature vector.");
        ObjectNode payload = note.putObject("payload").put("score", score).put("horizonDays", 5 + random.nextInt(56));
        payload.putObject("features").put("zScore", cents(-3 + random.nextDouble() * 6))
                .put("vol30d", cents(0.1 + random.nextDouble() * 0.7));
        payload.put("generatedBy", "k6");
        note.putArray("tags").add("loadtest").add(model);
        return note;
    }

    /** lib/checks.js hasItems: {@code {"items": [...]}}, every item passing {@code item} when given. */
    static boolean hasItems(JsonNode b, Predicate<JsonNode> item) {
        if (b == null || !b.isObject() || !b.path("items").isArray()) {
            return false;
        }
        if (item != null) {
            for (JsonNode i : b.get("items")) {
                if (!item.test(i)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** lib/checks.js hasFields: an object holding every field (null counts as present, as in the script). */
    static boolean hasFields(JsonNode b, String... fields) {
        if (b == null || !b.isObject()) {
            return false;
        }
        for (String f : fields) {
            if (!b.has(f)) {
                return false;
            }
        }
        return true;
    }

    private static double cents(double x) {
        return Math.round(x * 100) / 100.0;
    }
}
