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
import io.tradingdesk.api.store.PitchStore;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/pitches}: trade ideas and their review (see {@link PitchStore} for the workflow and its optimistic
 * concurrency). Thread-safe.
 */
public final class PitchRoutes {
    private static final String LIST = "pitches";
    private static final int MAX_RESEARCH_IDS = 100;
    private static final String[] SIDES = PitchStore.SIDES.toArray(String[]::new);
    private static final String[] STATUSES = PitchStore.STATUSES.toArray(String[]::new);

    private static final Field<String> SYMBOL = Inputs.symbol("symbol").required().describedAs("an existing instrument");
    private static final Field<String> SIDE = Field.oneOf("side", SIDES).required();
    private static final Field<String> THESIS = Field.text("thesis", 20_000).required().example("Earnings beat ...");
    private static final Field<BigDecimal> ENTRY = Inputs.price("entryPrice").required().example(new BigDecimal("185"));
    private static final Field<BigDecimal> TARGET = Inputs.price("targetPrice").required()
            .example(new BigDecimal("200")).describedAs("above entryPrice for a buy, below for a sell");
    private static final Field<BigDecimal> STOP = Inputs.price("stopPrice").required()
            .example(new BigDecimal("178")).describedAs("below entryPrice for a buy, above for a sell");
    private static final Field<BigDecimal> CONFIDENCE = Field.between("confidence", BigDecimal.ZERO, BigDecimal.ONE)
            .required().example(new BigDecimal("0.7"));
    private static final Field<List<Long>> RESEARCH_IDS = Field.ids("researchIds", MAX_RESEARCH_IDS)
            .describedAs("existing research notes");
    private static final Body<PitchStore.NewPitch> PITCH = Body.object(
            v -> new PitchStore.NewPitch(v.get(SYMBOL), v.get(SIDE), v.get(THESIS), v.get(ENTRY), v.get(TARGET),
                    v.get(STOP), v.get(CONFIDENCE), v.get(RESEARCH_IDS)),
            SYMBOL, SIDE, THESIS, ENTRY, TARGET, STOP, CONFIDENCE, RESEARCH_IDS);

    private record Review(String status, int version) {
    }

    private static final Field<String> NEW_STATUS = Field.oneOf("status", STATUSES).required().example("approved")
            .describedAs("approved or rejected; a draft can move to nothing else here (422)");
    private static final Field<Integer> VERSION = Field.integer("version", 1, Integer.MAX_VALUE).required()
            .describedAs("the version the client saw; a stale one is a 409");
    private static final Body<Review> REVIEW = Body.object(v -> new Review(v.get(NEW_STATUS), v.get(VERSION)),
            NEW_STATUS, VERSION);

    private static final Field<Long> ID = Inputs.pathId();
    private static final Field<String> BY_STATUS = Field.oneOf("status", STATUSES).describedAs("only this status");
    private static final Field<String> BY_SYMBOL = Inputs.symbol("symbol").describedAs("only this instrument");
    private static final Field<Integer> LIMIT = Field.limit(Inputs.MAX_PAGE, Inputs.DEFAULT_PAGE);
    private static final Field<Long> CURSOR = Field.cursor(LIST);

    private static final Map<String, Object> SCHEMA = Schema.object(
            Schema.required("id", "symbol", "side", "thesis", "entryPrice", "targetPrice", "stopPrice", "confidence",
                    "status", "version", "researchIds", "createdAt", "updatedAt"),
            "id", Schema.id(), "symbol", Schema.string("instrument"), "side", Schema.enumOf(SIDES),
            "thesis", Schema.string("why"), "entryPrice", Schema.decimal(), "targetPrice", Schema.decimal(),
            "stopPrice", Schema.decimal(), "confidence", Schema.decimal(),
            "status", Schema.enumOf(STATUSES),
            "version", Schema.integer(), "researchIds", Schema.array(Schema.id()),
            "createdAt", Schema.dateTime(), "updatedAt", Schema.dateTime());

    private final PitchStore store;
    private final Json json;
    private final Consistency consistency;

    public PitchRoutes(PitchStore store, Json json, Consistency consistency) {
        this.store = store;
        this.json = json;
        this.consistency = consistency;
    }

    public List<RouteSpec> routes() {
        return List.of(
                RouteSpec.post("/api/pitches", "Propose a trade (status draft, version 1)").body(PITCH)
                        .returns(201, SCHEMA).errors(422, 503).handle(this::create),
                RouteSpec.get("/api/pitches/{id}", "One pitch by id").path(ID).headers(Consistency.TOKEN)
                        .returns(200, SCHEMA).errors(404, 503).handle(this::get),
                RouteSpec.get("/api/pitches", "List pitches, newest first, in keyset pages")
                        .query(BY_STATUS, BY_SYMBOL, LIMIT, CURSOR).headers(Consistency.TOKEN)
                        .returns(200, Schema.page(SCHEMA)).errors(503).handle(this::list),
                RouteSpec.patch("/api/pitches/{id}/status", "Approve or reject a draft; version must be the current one")
                        .path(ID).body(REVIEW)
                        .returns(200, SCHEMA).errors(404, 409, 422, 503).handle(this::review));
    }

    private void get(Context ctx, Input in) {
        long id = in.get(ID);
        json.write(ctx, 200, store.find(id, in.get(Consistency.TOKEN)).orElseThrow(() -> ApiError.notFound("no pitch " + id, Map.of("id", id))));
    }

    private void create(Context ctx, Input in) {
        var pitch = store.create(in.body(PITCH));
        consistency.stamp(ctx);
        json.write(ctx, 201, pitch);
    }

    private void list(Context ctx, Input in) {
        var filter = new PitchStore.Filter(in.get(BY_STATUS), in.get(BY_SYMBOL));
        json.write(ctx, 200, Inputs.page(store.list(filter, in.get(CURSOR), in.get(LIMIT), in.get(Consistency.TOKEN)), LIST));
    }

    private void review(Context ctx, Input in) {
        Review review = in.body(REVIEW);
        var reviewed = store.review(in.get(ID), review.status(), review.version());
        consistency.stamp(ctx);
        json.write(ctx, 200, reviewed);
    }
}
