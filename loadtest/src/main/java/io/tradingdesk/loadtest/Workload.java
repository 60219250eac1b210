package io.tradingdesk.loadtest;

import io.tradingdesk.loadtest.LoadDriver.Request;
import io.tradingdesk.loadtest.LoadDriver.RequestFactory;
import java.util.random.RandomGenerator;

/**
 * The request mixes the benchmark drives, each with the k6 script and the wrk script that do the same thing, so
 * that every driver measures the same requests. Immutable and thread-safe; the factories too.
 */
enum Workload {
    /** The report's "simple SELECT": the ten latest research notes (a backward index scan). */
    SIMPLE("simple", "GET /api/research/latest?limit=10", "simple-reads.js", "get.lua", "/api/research/latest?limit=10"),
    /** A primary-key read of a random existing research note. */
    POINT("point", "GET /api/research/{id}", "point-reads.js", "point.lua", null),
    /** The report's "INSERT": a new trade pitch on a random seeded instrument. */
    WRITE("write", "POST /api/pitches", "writes.js", "write.lua", null),
    /** The report's "complex query": the market snapshot over every instrument's latest bars. */
    COMPLEX("complex", "GET /api/market/snapshot", "complex.js", "get.lua", "/api/market/snapshot");

    private final String label;
    private final String route;
    private final String k6Script;
    private final String wrkScript;
    private final String fixedPath;

    Workload(String label, String route, String k6Script, String wrkScript, String fixedPath) {
        this.label = label;
        this.route = route;
        this.k6Script = k6Script;
        this.wrkScript = wrkScript;
        this.fixedPath = fixedPath;
    }

    String label() {
        return label;
    }

    String route() {
        return route;
    }

    String k6Script() {
        return k6Script;
    }

    String wrkScript() {
        return wrkScript;
    }

    /** The request path for drivers that take a URL (wrk's get.lua): the fixed path, or "/" for generated ones. */
    String urlPath() {
        return fixedPath != null ? fixedPath : "/";
    }

    /** Arguments after {@code --} for the wrk script. */
    String[] wrkArgs(Dataset data) {
        return switch (this) {
            case POINT -> new String[] {Long.toString(data.minNoteId()), Long.toString(data.maxNoteId())};
            case WRITE -> new String[] {Integer.toString(data.instruments())};
            default -> new String[0];
        };
    }

    RequestFactory factory(Dataset data) {
        return switch (this) {
            case SIMPLE, COMPLEX -> {
                Request fixed = Request.get(fixedPath);
                yield random -> fixed;
            }
            case POINT -> pointReads(data.minNoteId(), data.maxNoteId());
            case WRITE -> pitches(data.instruments());
        };
    }

    /** GET /api/research/{id} for ids drawn uniformly from [minId, maxId]. */
    static RequestFactory pointReads(long minId, long maxId) {
        if (maxId < minId) {
            throw new IllegalArgumentException("no note ids: " + minId + ".." + maxId);
        }
        return random -> Request.get("/api/research/" + random.nextLong(minId, maxId + 1));
    }

    /** POST /api/pitches on one of the first {@code symbols} instruments, buy or sell, with consistent prices. */
    static RequestFactory pitches(int symbols) {
        if (symbols < 1) {
            throw new IllegalArgumentException("symbols must be positive: " + symbols);
        }
        return random -> Request.post("/api/pitches", pitchBody(symbolAt(random.nextInt(symbols)), random));
    }

    /** A valid pitch body: buy keeps stop < entry < target, sell keeps target < entry < stop. */
    static String pitchBody(String symbol, RandomGenerator random) {
        boolean buy = random.nextBoolean();
        int entry = random.nextInt(1_000, 50_000);
        int up = entry * random.nextInt(105, 126) / 100;
        int down = entry * random.nextInt(80, 96) / 100;
        return "{\"symbol\":\"" + symbol + "\",\"side\":\"" + (buy ? "buy" : "sell")
                + "\",\"thesis\":\"Benchmark " + (buy ? "buy" : "sell") + " thesis for " + symbol
                + "\",\"entryPrice\":" + cents(entry)
                + ",\"targetPrice\":" + cents(buy ? up : down)
                + ",\"stopPrice\":" + cents(buy ? down : up)
                + ",\"confidence\":0." + random.nextInt(50, 96) + "}";
    }

    /** The i-th symbol of the load-test universe, as loadtest/k6/lib/data.js names it: LTAAA, LTAAB, ... */
    static String symbolAt(int i) {
        if (i < 0 || i >= 26 * 26 * 26) {
            throw new IllegalArgumentException("symbol index out of range: " + i);
        }
        return "LT" + (char) ('A' + i / 676) + (char) ('A' + i / 26 % 26) + (char) ('A' + i % 26);
    }

    private static String cents(int cents) {
        int frac = cents % 100;
        return cents / 100 + (frac < 10 ? ".0" : ".") + frac;
    }
}
