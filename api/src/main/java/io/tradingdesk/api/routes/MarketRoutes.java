package io.tradingdesk.api.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.tradingdesk.api.http.ApiError;
import io.tradingdesk.api.http.Fields;
import io.tradingdesk.api.http.Json;
import io.tradingdesk.api.http.Params;
import io.tradingdesk.api.http.RouteSpec;
import io.tradingdesk.api.http.Schema;
import io.tradingdesk.api.model.Bar;
import io.tradingdesk.api.model.Items;
import io.tradingdesk.api.model.SnapshotRow;
import io.tradingdesk.api.model.Upserted;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.RowReader;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code /api/market}: price bars (batch upsert, range reads) and the per-instrument snapshot. Thread-safe. */
public final class MarketRoutes {
    /** Bars per POST: one JDBC batch of this size stays well under a second and a few MB of request. */
    public static final int MAX_BARS = 5000;
    private static final int DEFAULT_LIMIT = 500;
    // numeric(20, 8) and numeric(24, 4): values at or above these would overflow the columns.
    private static final BigDecimal MAX_PRICE = new BigDecimal("1e12");
    private static final BigDecimal MAX_VOLUME = new BigDecimal("1e20");

    private static final RowReader<Bar> BAR = rs -> new Bar(rs.getString("symbol"), Rows.instant(rs, "ts"),
            Rows.decimal(rs, "open"), Rows.decimal(rs, "high"), Rows.decimal(rs, "low"), Rows.decimal(rs, "close"),
            Rows.decimal(rs, "volume"));
    private static final String BAR_COLUMNS = "symbol, ts, open, high, low, close, volume";

    private static final RowReader<SnapshotRow> SNAPSHOT = rs -> new SnapshotRow(rs.getString("symbol"),
            rs.getString("name"), rs.getString("asset_class"), rs.getString("currency"), Rows.instant(rs, "last_ts"),
            Rows.decimal(rs, "last_close"), Rows.decimal(rs, "change_1d"), Rows.decimal(rs, "change_7d"),
            Rows.decimal(rs, "volume_30d"), Rows.decimal(rs, "position_quantity"), Rows.decimal(rs, "market_value"));

    // One statement for the whole universe: each LATERAL subquery is a short backward scan of the (symbol, ts)
    // primary key of one symbol, so the cost grows with the number of instruments, not of bars.
    private static final String SNAPSHOT_SQL = """
            SELECT i.symbol, i.name, i.asset_class, i.currency,
                   l.ts AS last_ts, l.close AS last_close,
                   round(l.close / d1.close - 1, 8) AS change_1d,
                   round(l.close / d7.close - 1, 8) AS change_7d,
                   v.volume_30d,
                   coalesce(p.quantity, 0) AS position_quantity,
                   coalesce(p.quantity, 0) * l.close AS market_value
            FROM instruments i
            LEFT JOIN LATERAL (SELECT b.ts, b.close FROM price_bars b
                               WHERE b.symbol = i.symbol ORDER BY b.ts DESC LIMIT 1) l ON true
            LEFT JOIN LATERAL (SELECT b.close FROM price_bars b
                               WHERE b.symbol = i.symbol AND b.ts <= l.ts - interval '1 day'
                               ORDER BY b.ts DESC LIMIT 1) d1 ON true
            LEFT JOIN LATERAL (SELECT b.close FROM price_bars b
                               WHERE b.symbol = i.symbol AND b.ts <= l.ts - interval '7 days'
                               ORDER BY b.ts DESC LIMIT 1) d7 ON true
            LEFT JOIN LATERAL (SELECT sum(b.volume) AS volume_30d FROM price_bars b
                               WHERE b.symbol = i.symbol AND b.ts > l.ts - interval '30 days'
                                 AND b.ts <= l.ts) v ON true
            LEFT JOIN positions p ON p.symbol = i.symbol
            ORDER BY i.symbol""";

    private static final String UPSERT = """
            INSERT INTO price_bars (symbol, ts, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (symbol, ts) DO UPDATE
                SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
                    volume = EXCLUDED.volume""";

    private static final Map<String, Object> BAR_SCHEMA = Schema.object(
            Schema.required("symbol", "ts", "open", "high", "low", "close", "volume"),
            "symbol", Schema.pattern(Params.SYMBOL.pattern(), "an existing instrument"),
            "ts", Schema.dateTime(),
            "open", Schema.decimal(), "high", Schema.decimal(), "low", Schema.decimal(), "close", Schema.decimal(),
            "volume", Schema.decimal());
    private static final Map<String, Object> SNAPSHOT_SCHEMA = Schema.object(
            Schema.required("symbol", "name", "assetClass", "currency", "lastTs", "lastClose", "change1d", "change7d",
                    "volume30d", "positionQuantity", "marketValue"),
            "symbol", Schema.string("instrument"), "name", Schema.string("display name"),
            "assetClass", Schema.string("asset class"), "currency", Schema.string("ISO 4217"),
            "lastTs", Schema.nullable(Schema.dateTime()), "lastClose", Schema.nullable(Schema.decimal()),
            "change1d", Schema.nullable(Schema.decimal()), "change7d", Schema.nullable(Schema.decimal()),
            "volume30d", Schema.nullable(Schema.decimal()), "positionQuantity", Schema.decimal(),
            "marketValue", Schema.nullable(Schema.decimal()));

    private final Database database;
    private final Json json;

    public MarketRoutes(Database database, Json json) {
        this.database = database;
        this.json = json;
    }

    public List<RouteSpec> routes() {
        return List.of(
                RouteSpec.post("/api/market/bars", "Upsert 1.." + MAX_BARS + " price bars on (symbol, ts)")
                        .body(Schema.array(BAR_SCHEMA, 1, MAX_BARS))
                        .returns(200, Schema.object(List.of("upserted"), "upserted", Schema.integer()))
                        .errors(422, 503).handle(this::upsert),
                RouteSpec.get("/api/market/bars/{symbol}", "Bars of one symbol ordered by ts: from 'from' (inclusive) "
                                + "onwards, or the latest 'limit' bars before 'to' (exclusive) when 'from' is absent")
                        .query("from", Schema.dateTime()).query("to", Schema.dateTime())
                        .query("limit", Schema.limit(MAX_BARS, DEFAULT_LIMIT))
                        .returns(200, Schema.items(BAR_SCHEMA)).errors(400, 404, 503).handle(this::bars),
                RouteSpec.get("/api/market/snapshot", "Every instrument with its latest close, 1d/7d change, 30d "
                                + "volume and position")
                        .returns(200, Schema.items(SNAPSHOT_SCHEMA)).errors(503).handle(this::snapshot));
    }

    private void upsert(Context ctx) {
        JsonNode body = json.read(ctx);
        if (!body.isArray()) {
            throw ApiError.badRequest("the request body must be a JSON array of bars", Map.of());
        }
        if (body.isEmpty() || body.size() > MAX_BARS) {
            throw new ApiError(body.isEmpty() ? 400 : 413, body.isEmpty() ? "bad_request" : "payload_too_large",
                    "send 1.." + MAX_BARS + " bars per call (got " + body.size() + "); split larger uploads",
                    Map.of("maxBars", MAX_BARS, "bars", body.size()));
        }
        var errors = new LinkedHashMap<String, String>();
        var rows = new ArrayList<Object[]>(body.size());
        var symbols = new LinkedHashSet<String>();
        for (Fields bar : Fields.elements(body, errors)) {
            String symbol = bar.matching("symbol", true, Params.SYMBOL, Params.SYMBOL_RULE);
            Instant ts = bar.instant("ts", true);
            BigDecimal open = bar.decimal("open", true, BigDecimal.ZERO, false, MAX_PRICE);
            BigDecimal high = bar.decimal("high", true, BigDecimal.ZERO, false, MAX_PRICE);
            BigDecimal low = bar.decimal("low", true, BigDecimal.ZERO, false, MAX_PRICE);
            BigDecimal close = bar.decimal("close", true, BigDecimal.ZERO, false, MAX_PRICE);
            BigDecimal volume = bar.decimal("volume", true, BigDecimal.ZERO, true, MAX_VOLUME);
            if (low != null && high != null && open != null && close != null) {
                if (low.compareTo(high) > 0) {
                    bar.error("low", "must not be above high");
                } else if (open.compareTo(low) < 0 || open.compareTo(high) > 0) {
                    bar.error("open", "must be between low and high");
                } else if (close.compareTo(low) < 0 || close.compareTo(high) > 0) {
                    bar.error("close", "must be between low and high");
                }
            }
            bar.validate();
            symbols.add(symbol);
            rows.add(new Object[] {symbol, ts, open, high, low, close, volume});
        }
        if (!errors.isEmpty()) {
            throw ApiError.invalidFields(errors);
        }
        requireKnown(symbols);
        int[] counts = database.executeMany(UPSERT, rows);
        // The driver may report SUCCESS_NO_INFO (-2) for rewritten batches; every row was upserted then.
        int upserted = Arrays.stream(counts).allMatch(c -> c >= 0) ? Arrays.stream(counts).sum() : rows.size();
        json.write(ctx, 200, new Upserted(upserted));
    }

    private void bars(Context ctx) {
        String symbol = Params.symbolPath(ctx, "symbol");
        Instant from = Params.instant(ctx, "from");
        Instant to = Params.instant(ctx, "to");
        int limit = Params.limit(ctx, DEFAULT_LIMIT, MAX_BARS);
        if (from != null && to != null && !from.isBefore(to)) {
            throw ApiError.invalidField("to", "must be after from");
        }
        var where = new StringBuilder("symbol = ?");
        var args = new ArrayList<Object>(List.of(symbol));
        if (from != null) {
            where.append(" AND ts >= ?");
            args.add(from);
        }
        if (to != null) {
            where.append(" AND ts < ?");
            args.add(to);
        }
        args.add(limit);
        // Without 'from', the latest bars are the interesting ones: read them backwards, return them in ts order.
        String sql = from != null
                ? "SELECT " + BAR_COLUMNS + " FROM price_bars WHERE " + where + " ORDER BY ts LIMIT ?"
                : "SELECT * FROM (SELECT " + BAR_COLUMNS + " FROM price_bars WHERE " + where
                        + " ORDER BY ts DESC LIMIT ?) latest ORDER BY ts";
        List<Bar> bars = database.fetchAll(sql, BAR, args.toArray());
        if (bars.isEmpty() && database.fetchVal("SELECT 1 FROM instruments WHERE symbol = ?", Integer.class, symbol)
                .isEmpty()) {
            throw ApiError.notFound("no instrument " + symbol, Map.of("symbol", symbol));
        }
        json.write(ctx, 200, new Items<>(bars));
    }

    private void snapshot(Context ctx) {
        json.write(ctx, 200, new Items<>(database.fetchAll(SNAPSHOT_SQL, SNAPSHOT)));
    }

    private void requireKnown(Set<String> symbols) {
        var known = new HashSet<>(database.fetchAll("SELECT symbol FROM instruments WHERE symbol = ANY(?)",
                String.class, (Object) symbols.toArray(String[]::new)));
        var unknown = symbols.stream().filter(s -> !known.contains(s)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw ApiError.unprocessable("unknown symbol(s): " + String.join(", ", unknown.subList(0,
                    Math.min(20, unknown.size()))) + "; create them with PUT /api/instruments/{symbol} first",
                    Map.of("symbols", unknown));
        }
    }
}
