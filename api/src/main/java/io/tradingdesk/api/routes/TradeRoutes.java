package io.tradingdesk.api.routes;

import io.javalin.http.Context;
import io.tradingdesk.api.http.Body;
import io.tradingdesk.api.http.Consistency;
import io.tradingdesk.api.http.Field;
import io.tradingdesk.api.http.Input;
import io.tradingdesk.api.http.Json;
import io.tradingdesk.api.http.RouteSpec;
import io.tradingdesk.api.http.Schema;
import io.tradingdesk.api.model.Items;
import io.tradingdesk.api.store.TradeStore;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/trades}, {@code /api/positions}, {@code /api/portfolio/summary}. See {@link TradeStore} for what an
 * execution does atomically and how an {@code Idempotency-Key} makes retries safe. Thread-safe.
 */
public final class TradeRoutes {
    /** Quantities are numeric(24, 8): 10^15 and above would overflow the column. */
    private static final BigDecimal MAX_QUANTITY = new BigDecimal("1e15");

    private record Fill(long pitchId, BigDecimal quantity, BigDecimal price) {
    }

    private static final Field<String> KEY = Field.text("Idempotency-Key", 200).example("7f0c2a")
            .describedAs("makes a retry safe: the same key answers 200 with the first trade");
    private static final Field<Long> PITCH_ID = Field.id("pitchId").required().describedAs("an approved pitch");
    private static final Field<BigDecimal> QUANTITY = Field.positiveBelow("quantity", MAX_QUANTITY).required()
            .example(new BigDecimal("100"));
    private static final Field<BigDecimal> PRICE = Inputs.price("price").required();
    private static final Body<Fill> FILL = Body.object(v -> new Fill(v.get(PITCH_ID), v.get(QUANTITY), v.get(PRICE)),
            PITCH_ID, QUANTITY, PRICE);

    private static final Map<String, Object> STATE_SCHEMA = Schema.object(
            Schema.required("symbol", "quantity", "averagePrice", "realizedPnl", "updatedAt"),
            "symbol", Schema.string("instrument"), "quantity", Schema.decimal(), "averagePrice", Schema.decimal(),
            "realizedPnl", Schema.decimal(), "updatedAt", Schema.dateTime());
    private static final Map<String, Object> TRADE_SCHEMA = Schema.object(
            Schema.required("id", "pitchId", "symbol", "side", "quantity", "price", "executedAt", "idempotencyKey",
                    "position"),
            "id", Schema.id(), "pitchId", Schema.id(), "symbol", Schema.string("instrument"),
            "side", Schema.enumOf("buy", "sell"), "quantity", Schema.decimal(), "price", Schema.decimal(),
            "executedAt", Schema.dateTime(), "idempotencyKey", Schema.nullable(Schema.string("as sent")),
            "position", STATE_SCHEMA);
    private static final Map<String, Object> POSITION_SCHEMA = Schema.object(
            Schema.required("symbol", "quantity", "averagePrice", "realizedPnl", "lastClose", "marketValue",
                    "unrealizedPnl", "updatedAt"),
            "symbol", Schema.string("instrument"), "quantity", Schema.decimal(), "averagePrice", Schema.decimal(),
            "realizedPnl", Schema.decimal(), "lastClose", Schema.nullable(Schema.decimal()),
            "marketValue", Schema.nullable(Schema.decimal()), "unrealizedPnl", Schema.nullable(Schema.decimal()),
            "updatedAt", Schema.dateTime());
    private static final Map<String, Object> SUMMARY_SCHEMA = Schema.object(
            Schema.required("positions", "grossExposure", "netExposure", "exposureByAssetClass", "realizedPnl",
                    "unrealizedPnl", "marketValue"),
            "positions", Schema.integer(), "grossExposure", Schema.decimal(), "netExposure", Schema.decimal(),
            "exposureByAssetClass", Schema.mapOf(Schema.decimal()), "realizedPnl", Schema.decimal(),
            "unrealizedPnl", Schema.decimal(), "marketValue", Schema.decimal());

    private final TradeStore store;
    private final Json json;
    private final Consistency consistency;

    public TradeRoutes(TradeStore store, Json json, Consistency consistency) {
        this.store = store;
        this.json = json;
        this.consistency = consistency;
    }

    public List<RouteSpec> routes() {
        return List.of(
                RouteSpec.post("/api/trades", "Execute an approved pitch (201); the same Idempotency-Key again "
                                + "answers 200 with the first trade")
                        .headers(KEY).body(FILL)
                        .returns(201, TRADE_SCHEMA).returns(200, TRADE_SCHEMA).errors(409, 422, 503).handle(this::execute),
                RouteSpec.get("/api/positions", "Every position marked to the latest close")
                        .headers(Consistency.TOKEN).returns(200, Schema.items(POSITION_SCHEMA)).errors(503).handle(this::positions),
                RouteSpec.get("/api/portfolio/summary", "Exposure and P&L over all positions")
                        .headers(Consistency.TOKEN).returns(200, SUMMARY_SCHEMA).errors(503).handle(this::summary));
    }

    private void execute(Context ctx, Input in) {
        Fill fill = in.body(FILL);
        TradeStore.Execution execution = store.execute(new TradeStore.Order(fill.pitchId(), fill.quantity(),
                fill.price(), in.get(KEY)));
        consistency.stamp(ctx);
        json.write(ctx, execution.created() ? 201 : 200, execution.trade());
    }

    private void positions(Context ctx, Input in) {
        json.write(ctx, 200, new Items<>(store.positions(in.get(Consistency.TOKEN))));
    }

    private void summary(Context ctx, Input in) {
        json.write(ctx, 200, store.summary(in.get(Consistency.TOKEN)));
    }
}
