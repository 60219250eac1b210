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
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    // One statement for the whole universe: each LATERAL subquery is a short scan of one symbol's (symbol, ts), so the
    // cost grows with the number of instruments, not of bars. The index price_bars_snapshot (migration V2) carries
    // close and volume too, which makes all four index-only scans.
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

    /** One bar to store; its prices already checked against each other. */
    public record NewBar(String symbol, Instant ts, BigDecimal open, BigDecimal high, BigDecimal low, BigDecimal close,
                         BigDecimal volume) {
    }

    private final Database database;

    public MarketStore(Database database) {
        this.database = database;
    }

    /**
     * Inserts or replaces the bars on (symbol, ts), all in one JDBC batch (one statement on the wire).
     *
     * @return the number of bars written
     * @throws DomainException (rule broken) naming the symbols that are not instruments; nothing is written then
     */
    public int upsert(List<NewBar> bars) {
        var symbols = new LinkedHashSet<String>();
        var rows = new ArrayList<Object[]>(bars.size());
        for (NewBar bar : bars) {
            symbols.add(bar.symbol());
            rows.add(new Object[] {bar.symbol(), bar.ts(), bar.open(), bar.high(), bar.low(), bar.close(), bar.volume()});
        }
        requireKnown(symbols);
        int[] counts = database.executeMany(UPSERT, rows);
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

    /** On the primary: an instrument created just before must count as known. */
    private void requireKnown(Set<String> symbols) {
        var known = new HashSet<>(database.fetchAll("SELECT symbol FROM instruments WHERE symbol = ANY(?)",
                String.class, (Object) symbols.toArray(String[]::new)));
        var unknown = symbols.stream().filter(s -> !known.contains(s)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw DomainException.ruleBroken("unknown symbol(s): " + String.join(", ", unknown.subList(0,
                    Math.min(20, unknown.size()))) + "; create them with PUT /api/instruments/{symbol} first",
                    Map.of("symbols", unknown));
        }
    }
}
