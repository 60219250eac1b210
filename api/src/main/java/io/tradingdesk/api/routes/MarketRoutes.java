package io.tradingdesk.api.routes;

import io.javalin.http.Context;
import io.tradingdesk.api.http.ApiError;
import io.tradingdesk.api.http.Body;
import io.tradingdesk.api.http.Consistency;
import io.tradingdesk.api.http.Field;
import io.tradingdesk.api.http.Input;
import io.tradingdesk.api.http.Json;
import io.tradingdesk.api.http.RouteSpec;
import io.tradingdesk.api.http.Schema;
import io.tradingdesk.api.model.Items;
import io.tradingdesk.api.model.Upserted;
import io.tradingdesk.api.store.MarketStore;
import io.tradingdesk.api.store.MarketStore.NewBar;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@code /api/market}: price bars (batch upsert, range reads) and the per-instrument snapshot. Thread-safe. */
public final class MarketRoutes {
    /** Bars per POST: one JDBC batch of this size stays well under a second and a few MB of request. */
    public static final int MAX_BARS = 5000;
    private static final int DEFAULT_LIMIT = 500;
    /** Volumes are numeric(24, 4): 10^20 and above would overflow the column. */
    private static final BigDecimal MAX_VOLUME = new BigDecimal("1e20");

    private static final Field<String> BAR_SYMBOL = Inputs.symbol("symbol").required()
            .describedAs("an existing instrument");
    private static final Field<Instant> TS = Field.instant("ts").required();
    private static final Field<BigDecimal> OPEN = Inputs.price("open").required();
    private static final Field<BigDecimal> HIGH = Inputs.price("high").required().example(new BigDecimal("186.9"));
    private static final Field<BigDecimal> LOW = Inputs.price("low").required().example(new BigDecimal("184.2"));
    private static final Field<BigDecimal> CLOSE = Inputs.price("close").required();
    private static final Field<BigDecimal> VOLUME = Field.nonNegativeBelow("volume", MAX_VOLUME).required();
    private static final Body<NewBar> BAR = Body.object(
            v -> new NewBar(v.get(BAR_SYMBOL), v.get(TS), v.get(OPEN), v.get(HIGH), v.get(LOW), v.get(CLOSE),
                    v.get(VOLUME)),
            BAR_SYMBOL, TS, OPEN, HIGH, LOW, CLOSE, VOLUME)
            .check((v, problems) -> {
                BigDecimal low = v.get(LOW);
                BigDecimal high = v.get(HIGH);
                if (low.compareTo(high) > 0) {
                    problems.add("low", "must not be above high");
                } else if (v.get(OPEN).compareTo(low) < 0 || v.get(OPEN).compareTo(high) > 0) {
                    problems.add("open", "must be between low and high");
                } else if (v.get(CLOSE).compareTo(low) < 0 || v.get(CLOSE).compareTo(high) > 0) {
                    problems.add("close", "must be between low and high");
                }
            }, OPEN, HIGH, LOW, CLOSE);
    private static final Body<List<NewBar>> BARS = Body.arrayOf(BAR, 1, MAX_BARS);

    private static final Field<String> SYMBOL = Inputs.symbol("symbol").required();
    private static final Field<Instant> FROM = Field.instant("from").describedAs("first bar's ts (inclusive)");
    private static final Field<Instant> TO = Field.instant("to").describedAs("bars before this ts (exclusive)");
    private static final Field<Integer> LIMIT = Field.limit(MAX_BARS, DEFAULT_LIMIT);

    private static final Map<String, Object> BAR_SCHEMA = Schema.object(
            Schema.required("symbol", "ts", "open", "high", "low", "close", "volume"),
            "symbol", Schema.string("instrument"), "ts", Schema.dateTime(),
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

    private final MarketStore store;
    private final Json json;
    private final Consistency consistency;

    public MarketRoutes(MarketStore store, Json json, Consistency consistency) {
        this.store = store;
        this.json = json;
        this.consistency = consistency;
    }

    public List<RouteSpec> routes() {
        return List.of(
                RouteSpec.post("/api/market/bars", "Upsert 1.." + MAX_BARS + " price bars on (symbol, ts)")
                        .body(BARS)
                        .returns(200, Schema.object(List.of("upserted"), "upserted", Schema.integer()))
                        .errors(422, 503).handle(this::upsert),
                RouteSpec.get("/api/market/bars/{symbol}", "Bars of one symbol ordered by ts: from 'from' (inclusive) "
                                + "onwards, or the latest 'limit' bars before 'to' (exclusive) when 'from' is absent")
                        .path(SYMBOL).query(FROM, TO, LIMIT).headers(Consistency.TOKEN)
                        .returns(200, Schema.items(BAR_SCHEMA)).errors(404, 503).handle(this::bars),
                RouteSpec.get("/api/market/snapshot", "Every instrument with its latest close, 1d/7d change, 30d "
                                + "volume and position")
                        .headers(Consistency.TOKEN).returns(200, Schema.items(SNAPSHOT_SCHEMA)).errors(503).handle(this::snapshot));
    }

    private void upsert(Context ctx, Input in) {
        var upserted = new Upserted(store.upsert(in.body(BARS)));
        consistency.stamp(ctx);
        json.write(ctx, 200, upserted);
    }

    private void bars(Context ctx, Input in) {
        Instant from = in.get(FROM);
        Instant to = in.get(TO);
        if (from != null && to != null && !from.isBefore(to)) {
            throw ApiError.invalidField("to", "must be after from");
        }
        json.write(ctx, 200, new Items<>(store.bars(in.get(SYMBOL), from, to, in.get(LIMIT), in.get(Consistency.TOKEN))));
    }

    private void snapshot(Context ctx, Input in) {
        json.write(ctx, 200, new Items<>(store.snapshot(in.get(Consistency.TOKEN))));
    }
}
