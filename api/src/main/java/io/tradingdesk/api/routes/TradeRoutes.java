package io.tradingdesk.api.routes;

import io.javalin.http.Context;
import io.tradingdesk.api.http.ApiError;
import io.tradingdesk.api.http.Fields;
import io.tradingdesk.api.http.Json;
import io.tradingdesk.api.http.RouteSpec;
import io.tradingdesk.api.http.Schema;
import io.tradingdesk.api.model.Items;
import io.tradingdesk.api.model.PortfolioSummary;
import io.tradingdesk.api.model.Position;
import io.tradingdesk.api.model.PositionState;
import io.tradingdesk.api.model.Trade;
import io.tradingdesk.db.ConstraintViolationException;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.Queries;
import io.tradingdesk.db.RowReader;
import io.tradingdesk.db.Transaction;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code /api/trades}, {@code /api/positions}, {@code /api/portfolio/summary}. Executing a pitch is one
 * transaction: lock the pitch, insert the trade, move the position, mark the pitch executed; any failure leaves
 * none of it behind. Retries are safe with an {@code Idempotency-Key}: the unique index on the key decides between
 * racing requests, and the loser answers with the winner's trade. Thread-safe.
 */
public final class TradeRoutes {
    private static final int MAX_KEY_LENGTH = 200;
    private static final BigDecimal MAX_PRICE = new BigDecimal("1e12");
    private static final BigDecimal MAX_QUANTITY = new BigDecimal("1e15");
    private static final String KEY_CONSTRAINT = "trades_idempotency_key_key";

    private static final String TRADE_COLUMNS = "id, pitch_id, symbol, side, quantity, price, executed_at, idempotency_key";
    private static final RowReader<Trade> TRADE = rs -> new Trade(rs.getLong("id"), rs.getLong("pitch_id"),
            rs.getString("symbol"), rs.getString("side"), Rows.decimal(rs, "quantity"), Rows.decimal(rs, "price"),
            Rows.instant(rs, "executed_at"), rs.getString("idempotency_key"), null);
    private static final String STATE_COLUMNS = "symbol, quantity, average_price, realized_pnl, updated_at";
    private static final RowReader<PositionState> STATE = rs -> new PositionState(rs.getString("symbol"),
            Rows.decimal(rs, "quantity"), Rows.decimal(rs, "average_price"), Rows.decimal(rs, "realized_pnl"),
            Rows.instant(rs, "updated_at"));

    private record Marked(String assetClass, String symbol, BigDecimal quantity, BigDecimal averagePrice,
                          BigDecimal realizedPnl, BigDecimal lastClose, Instant updatedAt) {
    }

    private static final RowReader<Marked> MARKED = rs -> new Marked(rs.getString("asset_class"),
            rs.getString("symbol"), Rows.decimal(rs, "quantity"), Rows.decimal(rs, "average_price"),
            Rows.decimal(rs, "realized_pnl"), Rows.decimal(rs, "last_close"), Rows.instant(rs, "updated_at"));
    private static final String MARKED_SQL = """
            SELECT i.asset_class, p.symbol, p.quantity, p.average_price, p.realized_pnl, p.updated_at,
                   l.close AS last_close
            FROM positions p
            JOIN instruments i ON i.symbol = p.symbol
            LEFT JOIN LATERAL (SELECT b.close FROM price_bars b
                               WHERE b.symbol = p.symbol ORDER BY b.ts DESC LIMIT 1) l ON true
            ORDER BY p.symbol""";

    private record Outcome(Trade trade, boolean created) {
    }

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

    private final Database database;
    private final Json json;

    public TradeRoutes(Database database, Json json) {
        this.database = database;
        this.json = json;
    }

    public List<RouteSpec> routes() {
        return List.of(
                RouteSpec.post("/api/trades", "Execute an approved pitch (201); the same Idempotency-Key again "
                                + "answers 200 with the first trade")
                        .body(Schema.object(Schema.required("pitchId", "quantity", "price"),
                                "pitchId", Schema.id(), "quantity", Schema.decimal(), "price", Schema.decimal()))
                        .returns(201, TRADE_SCHEMA).errors(200, 409, 422, 503).handle(this::execute),
                RouteSpec.get("/api/positions", "Every position marked to the latest close")
                        .returns(200, Schema.items(POSITION_SCHEMA)).errors(503).handle(this::positions),
                RouteSpec.get("/api/portfolio/summary", "Exposure and P&L over all positions")
                        .returns(200, SUMMARY_SCHEMA).errors(503).handle(this::summary));
    }

    private void execute(Context ctx) {
        String key = ctx.header("Idempotency-Key");
        Fields body = json.object(ctx);
        if (key != null && (key.isEmpty() || key.length() > MAX_KEY_LENGTH)) {
            body.error("Idempotency-Key", "header must be 1.." + MAX_KEY_LENGTH + " characters");
        }
        Long pitchId = body.id("pitchId", true);
        BigDecimal quantity = body.decimal("quantity", true, BigDecimal.ZERO, false, MAX_QUANTITY);
        BigDecimal price = body.decimal("price", true, BigDecimal.ZERO, false, MAX_PRICE);
        body.validate();
        Outcome outcome = execute(pitchId, quantity, price, key);
        json.write(ctx, outcome.created() ? 201 : 200, outcome.trade());
    }

    private Outcome execute(long pitchId, BigDecimal quantity, BigDecimal price, String key) {
        if (key != null) {
            Optional<Outcome> replay = replay(database, key, pitchId);
            if (replay.isPresent()) {
                return replay.get();
            }
        }
        try {
            return database.transaction(tx -> executeIn(tx, pitchId, quantity, price, key));
        } catch (ConstraintViolationException e) {
            if (key != null && e.kind() == ConstraintViolationException.Kind.UNIQUE && KEY_CONSTRAINT.equals(e.constraint())) {
                // A concurrent request with the same key committed first: answer with its trade.
                return replay(database, key, pitchId).orElseThrow(() -> e);
            }
            throw e;
        }
    }

    private static Outcome executeIn(Transaction tx, long pitchId, BigDecimal quantity, BigDecimal price, String key) {
        // FOR UPDATE serialises executions of one pitch: the second waits, then sees it executed.
        var pitch = tx.fetchOne("SELECT symbol, side, status FROM pitches WHERE id = ? FOR UPDATE",
                rs -> new String[] {rs.getString("symbol"), rs.getString("side"), rs.getString("status")}, pitchId)
                .orElseThrow(() -> ApiError.unprocessable("unknown pitch " + pitchId, Map.of("pitchId", pitchId)));
        String symbol = pitch[0];
        String side = pitch[1];
        String status = pitch[2];
        if (status.equals("executed")) {
            if (key != null) {
                Optional<Outcome> replay = replay(tx, key, pitchId);
                if (replay.isPresent()) {
                    return replay.get();
                }
            }
            throw ApiError.conflict("pitch " + pitchId + " was already executed", Map.of("pitchId", pitchId,
                    "status", status));
        }
        if (!status.equals("approved")) {
            throw ApiError.unprocessable("pitch " + pitchId + " is " + status + "; only approved pitches can be executed",
                    Map.of("pitchId", pitchId, "status", status));
        }
        Trade trade = tx.executeReturning("""
                INSERT INTO trades (pitch_id, symbol, side, quantity, price, idempotency_key)
                VALUES (?, ?, ?, ?, ?, ?) RETURNING""" + " " + TRADE_COLUMNS, TRADE,
                pitchId, symbol, side, quantity, price, key).orElseThrow();

        // Make sure the row exists, then lock it: concurrent trades on one symbol apply one after the other.
        tx.execute("INSERT INTO positions (symbol, quantity, average_price) VALUES (?, 0, 0) ON CONFLICT (symbol) DO NOTHING",
                symbol);
        PositionMath.State current = tx.fetchOne(
                "SELECT quantity, average_price, realized_pnl FROM positions WHERE symbol = ? FOR UPDATE",
                rs -> new PositionMath.State(rs.getBigDecimal("quantity"), rs.getBigDecimal("average_price"),
                        rs.getBigDecimal("realized_pnl")), symbol).orElseThrow();
        PositionMath.State next = PositionMath.apply(current, side.equals("buy") ? quantity : quantity.negate(), price);
        PositionState position = tx.executeReturning("""
                UPDATE positions SET quantity = ?, average_price = ?, realized_pnl = ?, updated_at = now()
                WHERE symbol = ? RETURNING""" + " " + STATE_COLUMNS, STATE,
                next.quantity(), next.averagePrice(), next.realizedPnl(), symbol).orElseThrow();

        tx.execute("UPDATE pitches SET status = 'executed', version = version + 1, updated_at = now() WHERE id = ?",
                pitchId);
        return new Outcome(trade.withPosition(position), true);
    }

    /** The trade an earlier request with {@code key} created, if any; 422 if that was for another pitch. */
    private static Optional<Outcome> replay(Queries tx, String key, long pitchId) {
        return tx.fetchOne("SELECT " + TRADE_COLUMNS + " FROM trades WHERE idempotency_key = ?", TRADE, key)
                .map(trade -> {
                    if (trade.pitchId() != pitchId) {
                        throw ApiError.unprocessable("this Idempotency-Key was already used for pitch "
                                + trade.pitchId() + "; use a new key for a new order",
                                Map.of("pitchId", trade.pitchId()));
                    }
                    PositionState position = tx.fetchOne("SELECT " + STATE_COLUMNS + " FROM positions WHERE symbol = ?",
                            STATE, trade.symbol()).orElse(null);
                    return new Outcome(trade.withPosition(position), false);
                });
    }

    private void positions(Context ctx) {
        List<Position> positions = database.fetchAll(MARKED_SQL, MARKED).stream().map(m -> {
            BigDecimal value = m.lastClose() == null ? null : m.quantity().multiply(m.lastClose());
            BigDecimal unrealized = m.lastClose() == null ? null
                    : m.lastClose().subtract(m.averagePrice()).multiply(m.quantity());
            return new Position(m.symbol(), m.quantity(), m.averagePrice(), m.realizedPnl(), m.lastClose(),
                    strip(value), strip(unrealized), m.updatedAt());
        }).toList();
        json.write(ctx, 200, new Items<>(positions));
    }

    private void summary(Context ctx) {
        int open = 0;
        BigDecimal gross = BigDecimal.ZERO;
        BigDecimal net = BigDecimal.ZERO;
        BigDecimal realized = BigDecimal.ZERO;
        BigDecimal unrealized = BigDecimal.ZERO;
        var byClass = new TreeMap<String, BigDecimal>();
        for (Marked m : database.fetchAll(MARKED_SQL, MARKED)) {
            BigDecimal mark = m.lastClose() == null ? m.averagePrice() : m.lastClose();
            BigDecimal value = m.quantity().multiply(mark);
            if (m.quantity().signum() != 0) {
                open++;
            }
            gross = gross.add(value.abs());
            net = net.add(value);
            realized = realized.add(m.realizedPnl());
            unrealized = unrealized.add(mark.subtract(m.averagePrice()).multiply(m.quantity()));
            byClass.merge(m.assetClass(), value, BigDecimal::add);
        }
        byClass.replaceAll((k, v) -> strip(v));
        json.write(ctx, 200, new PortfolioSummary(open, strip(gross), strip(net), byClass, strip(realized),
                strip(unrealized), strip(net)));
    }

    private static BigDecimal strip(BigDecimal value) {
        return value == null ? null : value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
    }
}
