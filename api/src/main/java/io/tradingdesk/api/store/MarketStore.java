package io.tradingdesk.api.store;

import io.tradingdesk.api.model.Bar;
import io.tradingdesk.api.model.SnapshotRow;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.Reads;
import io.tradingdesk.db.RowReader;
import io.tradingdesk.db.WalPosition;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Market data: daily (or finer) price bars per instrument, and the snapshot of the whole universe. Reads take the
 * client's consistency token ({@code seen}, null when it sent none) and may be served by a replica; the upsert, and
 * the instrument check before it, run on the primary. Thread-safe.
 */
public final class MarketStore {
    private static final String BAR_COLUMNS = "symbol, ts, open, high, low, close, volume";
    private static final RowReader<Bar> BAR = rs -> new Bar(rs.getString("symbol"), Rows.instant(rs, "ts"),
            Rows.decimal(rs, "open"), Rows.decimal(rs, "high"), Rows.decimal(rs, "low"), Rows.decimal(rs, "close"),
            Rows.decimal(rs, "volume"));

    private static final String UPSERT = """
            INSERT INTO price_bars (symbol, ts, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (symbol, ts) DO UPDATE
                SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
                    volume = EXCLUDED.volume""";

    private static final RowReader<SnapshotRow> SNAPSHOT = rs -> new SnapshotRow(rs.getString("symbol"),
            rs.getString("name"), rs.getString("asset_class"), rs.getString("currency"), Rows.instant(rs, "last_ts"),
            Rows.decimal(rs, "last_close"), Rows.decimal(rs, "change_1d"), Rows.decimal(rs, "change_7d"),
            Rows.decimal(rs, "volume_30d"), Rows.decimal(rs, "position_quantity"), Rows.decimal(rs, "market_value"));

    // The per-instrument figures are kept in market_snapshot by triggers on price_bars (migration V3): the read joins
    // three tables of one row per instrument instead of scanning bars.
    private static final String SNAPSHOT_SQL = """
            SELECT i.symbol, i.name, i.asset_class, i.currency, s.last_ts, s.last_close, s.change_1d, s.change_7d,
                   s.volume_30d, coalesce(p.quantity, 0) AS position_quantity,
                   coalesce(p.quantity, 0) * s.last_close AS market_value
            FROM instruments i
            LEFT JOIN market_snapshot s ON s.symbol = i.symbol
            LEFT JOIN positions p ON p.symbol = i.symbol
            ORDER BY i.symbol""";

    /** One bar to store; its prices already checked against each other. */
    public record NewBar(String symbol, Instant ts, BigDecimal open, BigDecimal high, BigDecimal low, BigDecimal close,
                         BigDecimal volume) {
    }

    // Creates the snapshot rows a batch is about to need (of known instruments only), then locks all of them; both
    // in symbol order.
    private static final String CREATE_SNAPSHOT_ROWS = """
            INSERT INTO market_snapshot (symbol) SELECT symbol FROM instruments WHERE symbol = ANY(?) ORDER BY symbol
            ON CONFLICT (symbol) DO NOTHING""";
    private static final String LOCK_SNAPSHOT_ROWS = """
            SELECT symbol FROM market_snapshot WHERE symbol = ANY(?) ORDER BY symbol FOR NO KEY UPDATE""";
    private static final Comparator<NewBar> BATCH_ORDER = Comparator.comparing(NewBar::symbol)
            .thenComparing(NewBar::ts);

    private final Database database;

    public MarketStore(Database database) {
        this.database = database;
    }

    /**
     * Inserts or replaces the bars on (symbol, ts) in one transaction: first the market_snapshot rows of their symbols
     * are locked, in symbol order, then the bars go out as one JDBC batch (multi-row statements on the wire) in
     * (symbol, ts) order. The triggers of migration V3 recompute those snapshot rows after each statement; with the
     * rows locked up front, two batches over the same symbols queue behind each other instead of deadlocking (an
     * upsert fires an INSERT and an UPDATE trigger, whose lock sets would otherwise interleave).
     *
     * @return the number of bars written
     * @throws DomainException (rule broken) naming the symbols that are not instruments; nothing is written then
     */
    public int upsert(List<NewBar> bars) {
        var ordered = new ArrayList<>(bars);
        ordered.sort(BATCH_ORDER);
        var symbols = new TreeSet<String>();
        var rows = new ArrayList<Object[]>(ordered.size());
        for (NewBar bar : ordered) {
            symbols.add(bar.symbol());
            rows.add(new Object[] {bar.symbol(), bar.ts(), bar.open(), bar.high(), bar.low(), bar.close(), bar.volume()});
        }
        String[] sorted = symbols.toArray(String[]::new);
        int[] counts = database.transaction(tx -> {
            // On the primary, so an instrument created just before counts as known; every snapshot row belongs to an
            // instrument, so the rows locked are exactly the known symbols.
            tx.execute(CREATE_SNAPSHOT_ROWS, (Object) sorted);
            var known = new HashSet<>(tx.fetchAll(LOCK_SNAPSHOT_ROWS, String.class, (Object) sorted));
            var unknown = symbols.stream().filter(s -> !known.contains(s)).toList();
            if (!unknown.isEmpty()) {
                throw DomainException.ruleBroken("unknown symbol(s): " + String.join(", ", unknown.subList(0,
                        Math.min(20, unknown.size()))) + "; create them with PUT /api/instruments/{symbol} first",
                        Map.of("symbols", unknown));
            }
            return tx.executeMany(UPSERT, rows);
        });
        // The driver may report SUCCESS_NO_INFO (-2) for rewritten batches; every row was upserted then.
        return Arrays.stream(counts).allMatch(c -> c >= 0) ? Arrays.stream(counts).sum() : rows.size();
    }

    /**
     * Bars of one symbol in ts order: from {@code from} (inclusive) onwards, or, without {@code from}, the latest
     * {@code limit} bars before {@code to} (exclusive; null = no bound).
     *
     * @throws DomainException (not found) when {@code symbol} is not an instrument
     */
    public List<Bar> bars(String symbol, Instant from, Instant to, int limit, WalPosition seen) {
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
        Reads reads = database.reads(seen);
        List<Bar> bars = reads.fetchAll(sql, BAR, args.toArray());
        if (bars.isEmpty() && reads.fetchVal("SELECT 1 FROM instruments WHERE symbol = ?", Integer.class, symbol)
                .isEmpty()) {
            throw DomainException.notFound("no instrument " + symbol, Map.of("symbol", symbol));
        }
        return bars;
    }

    /** Every instrument with its latest close, 1-day and 7-day change, 30-day volume and position. */
    public List<SnapshotRow> snapshot(WalPosition seen) {
        return database.reads(seen).fetchAll(SNAPSHOT_SQL, SNAPSHOT);
    }
}
