package io.tradingdesk.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * What a research desk client does, request by request, over the real HTTP API: reads of every kind, research
 * notes, price bars, and the pitch → approve → trade flow. Every request is reported to a {@link Sink}; every write
 * is entered in the {@link Ledger}. Thread-safe (callers pass their own random generator).
 */
public final class Desk {
    public static final ObjectMapper JSON = new ObjectMapper();

    /** Receives every exchange: which operation, whether it wrote, when it started (System.nanoTime), the reply. */
    public interface Sink {
        void record(String operation, boolean write, long startNanos, Reply reply);
    }

    private static final Instant BAR_EPOCH = Instant.parse("2015-01-01T00:00:00Z");
    /** Unique bar timestamps across all workers and scenarios of one JVM, so bar writes never collide. */
    private static final AtomicLong BAR_MINUTES = new AtomicLong();

    public final Client client;
    public final Ledger ledger;
    public final List<String> symbols;
    private final Sink sink;

    public Desk(Client client, Ledger ledger, List<String> symbols, Sink sink) {
        this.client = client;
        this.ledger = ledger;
        this.symbols = List.copyOf(symbols);
        this.sink = sink;
    }

    public Desk with(Client otherClient, Sink otherSink) {
        return new Desk(otherClient, ledger, symbols, otherSink);
    }

    /** Creates {@code count} instruments (SYM000...), failing loudly if any is refused. */
    public static List<String> seed(Client client, Ledger ledger, String prefix, int count) {
        var out = new ArrayList<String>();
        for (int i = 0; i < count; i++) {
            String symbol = prefix + String.format("%03d", i);
            Reply r = client.put("/api/instruments/" + symbol, instrument("Instrument " + symbol, "equity", "USD"));
            if (!r.ok()) {
                throw new AssertionError("seeding " + symbol + " failed: " + r);
            }
            ledger.instruments.add(symbol);
            out.add(symbol);
        }
        return out;
    }

    public static String instrument(String name, String assetClass, String currency) {
        return JSON.createObjectNode().put("name", name).put("assetClass", assetClass).put("currency", currency)
                .toString();
    }

    /** A valid research note on HX000 (the hostile and security tests' instrument); callers change what they test. */
    public static ObjectNode validResearch() {
        ObjectNode body = JSON.createObjectNode().put("symbol", "HX000").put("model", "m").put("title", "t")
                .put("body", "b");
        body.putObject("payload").put("k", 1);
        body.putArray("tags").add("a");
        return body;
    }

    /** A valid buy pitch on HX000. */
    public static ObjectNode validPitch() {
        return JSON.createObjectNode().put("symbol", "HX000").put("side", "buy").put("thesis", "x")
                .put("entryPrice", new BigDecimal("100")).put("targetPrice", new BigDecimal("110"))
                .put("stopPrice", new BigDecimal("95")).put("confidence", new BigDecimal("0.5"));
    }

    /** A valid bar of HX000 at {@code day} plus {@code minute} minutes. */
    public static ObjectNode validBar(String day, int minute) {
        return JSON.createObjectNode().put("symbol", "HX000")
                .put("ts", Instant.parse(day).plusSeconds(60L * minute).toString())
                .put("open", new BigDecimal("1.5")).put("high", new BigDecimal("2")).put("low", new BigDecimal("1"))
                .put("close", new BigDecimal("1.5")).put("volume", new BigDecimal("10"));
    }

    public String symbol(RandomGenerator rng) {
        return symbols.get(rng.nextInt(symbols.size()));
    }

    // ---- reads ----------------------------------------------------------------------------------------------------

    private static final String[] READS = {
        "instruments", "instrument", "bars", "snapshot", "latest", "research-by-symbol", "pitches-by-status",
        "positions", "summary", "research-by-id", "pitch-by-id"};

    /** One random read of any read route; returns the reply. */
    public Reply read(RandomGenerator rng) {
        String which = READS[rng.nextInt(READS.length)];
        String symbol = symbol(rng);
        String path = switch (which) {
            case "instruments" -> "/api/instruments";
            case "instrument" -> "/api/instruments/" + symbol;
            case "bars" -> "/api/market/bars/" + symbol + "?limit=50";
            case "snapshot" -> "/api/market/snapshot";
            case "latest" -> "/api/research/latest?limit=20";
            case "research-by-symbol" -> "/api/research?symbol=" + symbol + "&limit=20";
            case "pitches-by-status" -> "/api/pitches?status=approved&limit=20";
            case "positions" -> "/api/positions";
            case "summary" -> "/api/portfolio/summary";
            case "research-by-id" -> {
                Long id = ledger.research.peek();
                yield id == null ? "/api/research/latest?limit=5" : "/api/research/" + id;
            }
            default -> {
                Long id = ledger.pitches.peek();
                yield id == null ? "/api/pitches?limit=5" : "/api/pitches/" + id;
            }
        };
        return exchange("GET " + which, false, () -> client.get(path));
    }

    // ---- writes ---------------------------------------------------------------------------------------------------

    public Reply writeResearch(RandomGenerator rng, String title) {
        ObjectNode body = JSON.createObjectNode()
                .put("symbol", symbol(rng))
                .put("model", "model-" + rng.nextInt(4))
                .put("title", title)
                .put("body", "Research body " + UUID.randomUUID());
        body.putObject("payload").put("score", rng.nextInt(100)).put("horizon", "1w");
        body.putArray("tags").add("resilience").add("t" + rng.nextInt(5));
        Reply r = exchange("POST research", true, () -> client.post("/api/research", body.toString()));
        if (r.ok()) {
            ledger.research.add(id(r));
            ledger.acknowledged();
        } else {
            ledger.failed("POST /api/research", r);
        }
        return r;
    }

    public Reply writeBars(RandomGenerator rng, int count) {
        String symbol = symbol(rng);
        ArrayNode array = JSON.createArrayNode();
        var sent = new ArrayList<Ledger.Bar>();
        for (int i = 0; i < count; i++) {
            Instant ts = BAR_EPOCH.plusSeconds(60 * BAR_MINUTES.incrementAndGet());
            double low = 90 + rng.nextDouble(5);
            double high = low + 1 + rng.nextDouble(5);
            array.addObject().put("symbol", symbol).put("ts", ts.toString())
                    .put("open", round(low + 0.5)).put("high", round(high)).put("low", round(low))
                    .put("close", round(high - 0.5)).put("volume", rng.nextInt(1_000_000));
            sent.add(new Ledger.Bar(symbol, ts));
        }
        Reply r = exchange("POST bars", true, () -> client.post("/api/market/bars", array.toString()));
        if (r.ok()) {
            ledger.bars.addAll(sent);
            ledger.acknowledged();
        } else {
            ledger.failed("POST /api/market/bars", r);
        }
        return r;
    }

    /** A pitch, its approval and its execution; stops at the first step that fails. Returns the last reply. */
    public Reply tradeFlow(RandomGenerator rng) {
        String symbol = symbol(rng);
        String side = rng.nextBoolean() ? "buy" : "sell";
        ObjectNode pitch = JSON.createObjectNode()
                .put("symbol", symbol).put("side", side).put("thesis", "Thesis " + UUID.randomUUID())
                .put("entryPrice", new BigDecimal("100.00")).put("targetPrice", new BigDecimal(side.equals("buy") ? "110" : "90"))
                .put("stopPrice", new BigDecimal(side.equals("buy") ? "95" : "105")).put("confidence", new BigDecimal("0.7"));
        Reply created = exchange("POST pitch", true, () -> client.post("/api/pitches", pitch.toString()));
        if (!created.ok()) {
            ledger.failed("POST /api/pitches", created);
            return created;
        }
        long pitchId = id(created);
        ledger.pitches.add(pitchId);
        ledger.acknowledged();
        int version = field(created, "version").asInt(1);
        String approval = JSON.createObjectNode().put("status", "approved").put("version", version).toString();
        Reply approved = exchange("PATCH pitch status", true,
                () -> client.patch("/api/pitches/" + pitchId + "/status", approval));
        if (!approved.ok()) {
            ledger.failed("PATCH /api/pitches/{id}/status", approved);
            return approved;
        }
        ledger.acknowledged();
        BigDecimal quantity = BigDecimal.valueOf(1 + rng.nextInt(100));
        String trade = JSON.createObjectNode().put("pitchId", pitchId).put("quantity", quantity)
                .put("price", new BigDecimal("100.5")).toString();
        String key = "k-" + UUID.randomUUID();
        Reply executed = exchange("POST trade", true, () -> client.post("/api/trades", trade, key));
        if (executed.ok()) {
            ledger.trades.add(new Ledger.Trade(id(executed), pitchId, key, symbol, quantity));
            ledger.acknowledged();
        } else {
            ledger.failed("POST /api/trades", executed);
            ledger.pendingTrades.add(new Ledger.PendingTrade(key, trade));
        }
        return executed;
    }

    /**
     * Resends every trade that got no 2xx, with its original Idempotency-Key, until each has a definite answer
     * (2xx: now in the ledger; 4xx: refused for good). Returns how many were resent.
     */
    public int replayPendingTrades() {
        int replayed = 0;
        Ledger.PendingTrade pending;
        var stillPending = new ArrayList<Ledger.PendingTrade>();
        while ((pending = ledger.pendingTrades.poll()) != null) {
            replayed++;
            ledger.idempotentReplays.incrementAndGet();
            Ledger.PendingTrade p = pending;
            Reply r = exchange("POST trade (replay)", true, () -> client.post("/api/trades", p.body(), p.idempotencyKey()));
            if (r.ok()) {
                JsonNode sent = parse(p.body());
                ledger.trades.add(new Ledger.Trade(id(r), sent.get("pitchId").asLong(), p.idempotencyKey(),
                        field(r, "symbol").asText(), sent.get("quantity").decimalValue()));
                ledger.acknowledged();
            } else if (r.serverError() || r.failedInTransport()) {
                stillPending.add(p);
            }
        }
        ledger.pendingTrades.addAll(stillPending);
        return replayed;
    }

    /**
     * Resends every acknowledged trade with its key; each must answer 2xx with the same trade id (no duplicate).
     * Returns the problems found.
     */
    public List<String> replayAcknowledgedTrades() {
        var problems = new ArrayList<String>();
        for (Ledger.Trade t : List.copyOf(ledger.trades)) {
            String body = JSON.createObjectNode().put("pitchId", t.pitchId()).put("quantity", t.quantity())
                    .put("price", new BigDecimal("100.5")).toString();
            ledger.idempotentReplays.incrementAndGet();
            Reply r = exchange("POST trade (replay)", true, () -> client.post("/api/trades", body, t.idempotencyKey()));
            if (!r.ok() || id(r) != t.id()) {
                problems.add("replaying trade " + t.id() + " with key " + t.idempotencyKey() + " gave " + r);
            }
        }
        return problems;
    }

    public Reply exchange(String operation, boolean write, java.util.function.Supplier<Reply> call) {
        long start = System.nanoTime();
        Reply r = call.get();
        sink.record(operation, write, start, r);
        return r;
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    public static JsonNode field(Reply r, String name) {
        JsonNode node = parse(r.body()).get(name);
        if (node == null) {
            throw new AssertionError("no field '" + name + "' in " + r);
        }
        return node;
    }

    public static long id(Reply r) {
        return field(r, "id").asLong();
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
