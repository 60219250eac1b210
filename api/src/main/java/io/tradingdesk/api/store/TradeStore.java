package io.tradingdesk.api.store;

import io.tradingdesk.api.model.PortfolioSummary;
import io.tradingdesk.api.model.Position;
import io.tradingdesk.api.model.PositionState;
import io.tradingdesk.api.model.Trade;
import io.tradingdesk.db.ConstraintViolationException;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.Queries;
import io.tradingdesk.db.RowReader;
import io.tradingdesk.db.Transaction;
import io.tradingdesk.db.WalPosition;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Trades and positions. Executing a pitch is one transaction: lock the pitch, insert the trade, move the position,
 * mark the pitch executed; any failure leaves none of it behind. Retries are safe with an idempotency key: the
 * unique index on the key decides between racing requests, and the loser answers with the winner's trade. An
 * execution, its replay lookup included, runs on the primary; the position reads take the client's consistency token
 * ({@code seen}, null when it sent none) and may be served by a replica. Thread-safe.
 */
public final class TradeStore {
    /** The unique index that makes an idempotency key single-use. */
    private static final String KEY_CONSTRAINT = "trades_idempotency_key_key";

    private static final String TRADE_COLUMNS = "id, pitch_id, symbol, side, quantity, price, executed_at, idempotency_key";
    private static final RowReader<Trade> TRADE = rs -> new Trade(rs.getLong("id"), rs.getLong("pitch_id"),
            rs.getString("symbol"), rs.getString("side"), Rows.decimal(rs, "quantity"), Rows.decimal(rs, "price"),
            Rows.instant(rs, "executed_at"), rs.getString("idempotency_key"), null);
    private static final String STATE_COLUMNS = "symbol, quantity, average_price, realized_pnl, updated_at";
    private static final RowReader<PositionState> STATE = rs -> new PositionState(rs.getString("symbol"),
            Rows.decimal(rs, "quantity"), Rows.decimal(rs, "average_price"), Rows.decimal(rs, "realized_pnl"),
            Rows.instant(rs, "updated_at"));

    /** A position with the latest close of its instrument (null without bars). */
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

    /** An order to execute an approved pitch; {@code idempotencyKey} null = no replay protection. */
    public record Order(long pitchId, BigDecimal quantity, BigDecimal price, String idempotencyKey) {
    }

    /** The trade an order made, or, for a replayed key, the trade the first request made ({@code created} false). */
    public record Execution(Trade trade, boolean created) {
    }

    private final Database database;

    public TradeStore(Database database) {
        this.database = database;
    }

    /**
     * Executes {@code order}.
     *
     * @throws DomainException rule broken: unknown pitch, a pitch that is not approved, a key already used for
     *                         another pitch; conflict: the pitch was executed by another order
     */
    public Execution execute(Order order) {
        String key = order.idempotencyKey();
        if (key != null) {
            Optional<Execution> replay = replay(database, key, order.pitchId());
            if (replay.isPresent()) {
                return replay.get();
            }
        }
        try {
            return database.transaction(tx -> executeIn(tx, order));
        } catch (ConstraintViolationException e) {
            if (key != null && e.kind() == ConstraintViolationException.Kind.UNIQUE && KEY_CONSTRAINT.equals(e.constraint())) {
                // A concurrent request with the same key committed first: answer with its trade.
                return replay(database, key, order.pitchId()).orElseThrow(() -> e);
            }
            throw e;
        }
    }

    private static Execution executeIn(Transaction tx, Order order) {
        long pitchId = order.pitchId();
        // FOR UPDATE serialises executions of one pitch: the second waits, then sees it executed.
        var pitch = tx.fetchOne("SELECT symbol, side, status FROM pitches WHERE id = ? FOR UPDATE",
                rs -> new String[] {rs.getString("symbol"), rs.getString("side"), rs.getString("status")}, pitchId)
                .orElseThrow(() -> DomainException.ruleBroken("unknown pitch " + pitchId, Map.of("pitchId", pitchId)));
        String symbol = pitch[0];
        String side = pitch[1];
        String status = pitch[2];
        if (status.equals("executed")) {
            if (order.idempotencyKey() != null) {
                Optional<Execution> replay = replay(tx, order.idempotencyKey(), pitchId);
                if (replay.isPresent()) {
                    return replay.get();
                }
            }
            throw DomainException.conflict("pitch " + pitchId + " was already executed",
                    Map.of("pitchId", pitchId, "status", status));
        }
        if (!status.equals("approved")) {
            throw DomainException.ruleBroken("pitch " + pitchId + " is " + status
                    + "; only approved pitches can be executed", Map.of("pitchId", pitchId, "status", status));
        }
        Trade trade = tx.executeReturning("""
                INSERT INTO trades (pitch_id, symbol, side, quantity, price, idempotency_key)
                VALUES (?, ?, ?, ?, ?, ?) RETURNING""" + " " + TRADE_COLUMNS, TRADE,
                pitchId, symbol, side, order.quantity(), order.price(), order.idempotencyKey()).orElseThrow();

        // Make sure the row exists, then lock it: concurrent trades on one symbol apply one after the other.
        tx.execute("INSERT INTO positions (symbol, quantity, average_price) VALUES (?, 0, 0) ON CONFLICT (symbol) DO NOTHING",
                symbol);
        PositionMath.State current = tx.fetchOne(
                "SELECT quantity, average_price, realized_pnl FROM positions WHERE symbol = ? FOR UPDATE",
                rs -> new PositionMath.State(rs.getBigDecimal("quantity"), rs.getBigDecimal("average_price"),
                        rs.getBigDecimal("realized_pnl")), symbol).orElseThrow();
        BigDecimal signed = side.equals("buy") ? order.quantity() : order.quantity().negate();
        PositionMath.State next = PositionMath.apply(current, signed, order.price());
        PositionState position = tx.executeReturning("""
                UPDATE positions SET quantity = ?, average_price = ?, realized_pnl = ?, updated_at = now()
                WHERE symbol = ? RETURNING""" + " " + STATE_COLUMNS, STATE,
                next.quantity(), next.averagePrice(), next.realizedPnl(), symbol).orElseThrow();

        tx.execute("UPDATE pitches SET status = 'executed', version = version + 1, updated_at = now() WHERE id = ?",
                pitchId);
        return new Execution(trade.withPosition(position), true);
    }

    /** The trade an earlier request with {@code key} created, if any; rule broken if that was for another pitch. */
    private static Optional<Execution> replay(Queries queries, String key, long pitchId) {
        return queries.fetchOne("SELECT " + TRADE_COLUMNS + " FROM trades WHERE idempotency_key = ?", TRADE, key)
                .map(trade -> {
                    if (trade.pitchId() != pitchId) {
                        throw DomainException.ruleBroken("this Idempotency-Key was already used for pitch "
                                + trade.pitchId() + "; use a new key for a new order",
                                Map.of("pitchId", trade.pitchId()));
                    }
                    PositionState position = queries.fetchOne("SELECT " + STATE_COLUMNS
                            + " FROM positions WHERE symbol = ?", STATE, trade.symbol()).orElse(null);
                    return new Execution(trade.withPosition(position), false);
                });
    }

    /** Every position marked to the latest close; the mark-dependent fields are null without a bar. */
    public List<Position> positions(WalPosition seen) {
        return database.reads(seen).fetchAll(MARKED_SQL, MARKED).stream().map(m -> {
            BigDecimal value = m.lastClose() == null ? null : m.quantity().multiply(m.lastClose());
            BigDecimal unrealized = m.lastClose() == null ? null
                    : m.lastClose().subtract(m.averagePrice()).multiply(m.quantity());
            return new Position(m.symbol(), m.quantity(), m.averagePrice(), m.realizedPnl(), m.lastClose(),
                    Rows.strip(value), Rows.strip(unrealized), m.updatedAt());
        }).toList();
    }

    /** Exposure and P&L over all positions; positions without a bar are marked at their average price. */
    public PortfolioSummary summary(WalPosition seen) {
        int open = 0;
        BigDecimal gross = BigDecimal.ZERO;
        BigDecimal net = BigDecimal.ZERO;
        BigDecimal realized = BigDecimal.ZERO;
        BigDecimal unrealized = BigDecimal.ZERO;
        var byClass = new TreeMap<String, BigDecimal>();
        for (Marked m : database.reads(seen).fetchAll(MARKED_SQL, MARKED)) {
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
        byClass.replaceAll((k, v) -> Rows.strip(v));
        return new PortfolioSummary(open, Rows.strip(gross), Rows.strip(net), byClass, Rows.strip(realized),
                Rows.strip(unrealized), Rows.strip(net));
    }
}
