package io.tradingdesk.api.routes;

import io.javalin.http.Context;
import io.tradingdesk.api.http.ApiError;
import io.tradingdesk.api.http.Fields;
import io.tradingdesk.api.http.Json;
import io.tradingdesk.api.http.Params;
import io.tradingdesk.api.http.RouteSpec;
import io.tradingdesk.api.http.Schema;
import io.tradingdesk.api.model.Instrument;
import io.tradingdesk.api.model.Items;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.RowReader;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** {@code /api/instruments}: the tradable universe. PUT is an upsert keyed by symbol. Thread-safe. */
public final class InstrumentRoutes {
    static final Set<String> ASSET_CLASSES = Set.of("equity", "etf", "crypto", "fx", "future");
    private static final Pattern CURRENCY = Pattern.compile("^[A-Z]{3}$");

    private static final String COLUMNS = "symbol, name, asset_class, currency, created_at, updated_at";
    private static final RowReader<Instrument> READER = rs -> new Instrument(rs.getString("symbol"),
            rs.getString("name"), rs.getString("asset_class"), rs.getString("currency"),
            Rows.instant(rs, "created_at"), Rows.instant(rs, "updated_at"));

    static final Map<String, Object> SCHEMA = Schema.object(
            Schema.required("symbol", "name", "assetClass", "currency", "createdAt", "updatedAt"),
            "symbol", Schema.pattern(Params.SYMBOL.pattern(), "instrument symbol"),
            "name", Schema.string("display name, 1..200 characters"),
            "assetClass", Schema.enumOf("equity", "etf", "crypto", "fx", "future"),
            "currency", Schema.pattern("^[A-Z]{3}$", "ISO 4217 code"),
            "createdAt", Schema.dateTime(),
            "updatedAt", Schema.dateTime());

    private final Database database;
    private final Json json;

    public InstrumentRoutes(Database database, Json json) {
        this.database = database;
        this.json = json;
    }

    public List<RouteSpec> routes() {
        return List.of(
                RouteSpec.get("/api/instruments", "List every instrument, ordered by symbol")
                        .returns(200, Schema.items(SCHEMA)).errors(503).handle(this::list),
                RouteSpec.get("/api/instruments/{symbol}", "One instrument")
                        .returns(200, SCHEMA).errors(400, 404, 503).handle(this::get),
                RouteSpec.put("/api/instruments/{symbol}", "Create (201) or update (200) an instrument")
                        .body(Schema.object(Schema.required("name", "assetClass", "currency"),
                                "name", Schema.string("1..200 characters"),
                                "assetClass", Schema.enumOf("equity", "etf", "crypto", "fx", "future"),
                                "currency", Schema.pattern("^[A-Z]{3}$", "ISO 4217 code, e.g. USD")))
                        .returns(200, SCHEMA).errors(201, 422, 503).handle(this::put));
    }

    private void list(Context ctx) {
        json.write(ctx, 200, new Items<>(database.fetchAll(
                "SELECT " + COLUMNS + " FROM instruments ORDER BY symbol", READER)));
    }

    private void get(Context ctx) {
        String symbol = Params.symbolPath(ctx, "symbol");
        Instrument instrument = database.fetchOne("SELECT " + COLUMNS + " FROM instruments WHERE symbol = ?", READER,
                symbol).orElseThrow(() -> ApiError.notFound("no instrument " + symbol, Map.of("symbol", symbol)));
        json.write(ctx, 200, instrument);
    }

    private void put(Context ctx) {
        String symbol = Params.symbolPath(ctx, "symbol");
        Fields body = json.object(ctx);
        String name = body.text("name", true, 200);
        String assetClass = body.oneOf("assetClass", true, ASSET_CLASSES);
        String currency = body.matching("currency", true, CURRENCY, "must be an ISO 4217 code: 3 upper-case letters");
        body.validate();
        // xmax = 0 only on a row this statement inserted: tells created (201) from updated (200) in one round trip.
        var result = database.executeReturning("""
                INSERT INTO instruments (symbol, name, asset_class, currency) VALUES (?, ?, ?, ?)
                ON CONFLICT (symbol) DO UPDATE
                    SET name = EXCLUDED.name, asset_class = EXCLUDED.asset_class, currency = EXCLUDED.currency,
                        updated_at = now()
                RETURNING %s, (xmax = 0) AS inserted""".formatted(COLUMNS),
                rs -> Map.entry(READER.read(rs), rs.getBoolean("inserted")),
                symbol, name, assetClass, currency).orElseThrow();
        json.write(ctx, result.getValue() ? 201 : 200, result.getKey());
    }
}
