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
import io.tradingdesk.api.store.InstrumentStore;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code /api/instruments}: the tradable universe. PUT is an upsert keyed by symbol. Thread-safe. */
public final class InstrumentRoutes {
    private static final String[] ASSET_CLASSES = {"equity", "etf", "crypto", "fx", "future"};

    private static final Field<String> SYMBOL = Inputs.symbol("symbol").required();
    private static final Field<String> NAME = Field.text("name", 200).required().example("Apple Inc.");
    private static final Field<String> ASSET_CLASS = Field.oneOf("assetClass", ASSET_CLASSES).required();
    private static final Field<String> CURRENCY = Field.matching("currency", Pattern.compile("^[A-Z]{3}$"),
            "must be an ISO 4217 code: 3 upper-case letters", "USD").required();
    private static final Body<InstrumentStore.Change> CHANGE = Body.object(
            v -> new InstrumentStore.Change(v.get(NAME), v.get(ASSET_CLASS), v.get(CURRENCY)),
            NAME, ASSET_CLASS, CURRENCY);

    static final Map<String, Object> SCHEMA = Schema.object(
            Schema.required("symbol", "name", "assetClass", "currency", "createdAt", "updatedAt"),
            "symbol", Schema.pattern(Inputs.SYMBOL.pattern(), "instrument symbol"),
            "name", Schema.string("display name, 1..200 characters"),
            "assetClass", Schema.enumOf(ASSET_CLASSES),
            "currency", Schema.pattern("^[A-Z]{3}$", "ISO 4217 code"),
            "createdAt", Schema.dateTime(),
            "updatedAt", Schema.dateTime());

    private final InstrumentStore store;
    private final Json json;
    private final Consistency consistency;

    public InstrumentRoutes(InstrumentStore store, Json json, Consistency consistency) {
        this.store = store;
        this.json = json;
        this.consistency = consistency;
    }

    public List<RouteSpec> routes() {
        return List.of(
                RouteSpec.get("/api/instruments", "List every instrument, ordered by symbol")
                        .headers(Consistency.TOKEN).returns(200, Schema.items(SCHEMA)).errors(503).handle(this::list),
                RouteSpec.get("/api/instruments/{symbol}", "One instrument").path(SYMBOL).headers(Consistency.TOKEN)
                        .returns(200, SCHEMA).errors(404, 503).handle(this::get),
                RouteSpec.put("/api/instruments/{symbol}", "Create (201) or update (200) an instrument").path(SYMBOL)
                        .body(CHANGE).returns(200, SCHEMA).returns(201, SCHEMA).errors(422, 503).handle(this::put));
    }

    private void list(Context ctx, Input in) {
        json.write(ctx, 200, new Items<>(store.list(in.get(Consistency.TOKEN))));
    }

    private void get(Context ctx, Input in) {
        String symbol = in.get(SYMBOL);
        json.write(ctx, 200, store.find(symbol, in.get(Consistency.TOKEN))
                .orElseThrow(() -> ApiError.notFound("no instrument " + symbol, Map.of("symbol", symbol))));
    }

    private void put(Context ctx, Input in) {
        InstrumentStore.Saved saved = store.put(in.get(SYMBOL), in.body(CHANGE));
        consistency.stamp(ctx);
        json.write(ctx, saved.created() ? 201 : 200, saved.instrument());
    }
}
