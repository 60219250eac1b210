package io.tradingdesk.loadtest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Fills the benchmark database with SQL (generate_series), far faster than seeding over HTTP: the instrument
 * universe LTAAA.. (named as loadtest/k6/lib/data.js names it), daily bars for each, and research notes. Runs after
 * the server migrated the schema. Idempotent: instruments and bars are upserts, notes are added only when there are
 * fewer than asked for, and the note ids the workloads use always form one gap-free range. Not thread-safe.
 */
final class Seeder {

    private static final String INSTRUMENTS = """
            INSERT INTO instruments (symbol, name, asset_class, currency)
            SELECT 'LT' || chr(65 + i / 676) || chr(65 + i / 26 % 26) || chr(65 + i % 26),
                   'Benchmark instrument ' || i, 'equity', 'USD'
            FROM generate_series(0, ?::int - 1) AS i
            ON CONFLICT (symbol) DO NOTHING
            """;

    // Close and open follow two slow waves per symbol; high and low bracket both, as price_bars_range demands.
    private static final String BARS = """
            INSERT INTO price_bars (symbol, ts, open, high, low, close, volume)
            SELECT symbol, ts, o, round(greatest(o, c) * 1.01, 2), round(least(o, c) * 0.99, 2), c, v
            FROM (
                SELECT i.symbol,
                       date_trunc('day', now()) - d * interval '1 day' AS ts,
                       round((b.base * (1 + 0.15 * sin(d / 17.0 + b.phase)))::numeric, 2) AS c,
                       round((b.base * (1 + 0.15 * sin((d + 1) / 17.0 + b.phase)) * (1 + 0.004 * sin(d * 7.0)))::numeric, 2) AS o,
                       100000 + abs(hashtext(i.symbol || d)) % 4900000 AS v
                FROM instruments i
                CROSS JOIN LATERAL (SELECT 20 + abs(hashtext(i.symbol)) % 480 AS base,
                                           (abs(hashtext(i.symbol || 'phase')) % 628) / 100.0 AS phase) b
                CROSS JOIN generate_series(0, ?::int - 1) AS d
                WHERE i.symbol LIKE 'LT%'
            ) bars
            ON CONFLICT (symbol, ts) DO NOTHING
            """;

    private static final String NOTES = """
            INSERT INTO research_notes (symbol, model, title, body, payload, tags)
            SELECT 'LT' || chr(65 + s / 676) || chr(65 + s / 26 % 26) || chr(65 + s % 26),
                   m,
                   m || ' signal #' || g,
                   'Benchmark note ' || g || '. The ' || m || ' model scores the instrument at '
                       || round((random() * 2 - 1)::numeric, 2) || ' over a ' || (5 + g % 56)
                       || '-day horizon; the payload carries the feature vector. '
                       || repeat('Momentum, carry and value signals disagree; position sizing stays small. ', 3),
                   jsonb_build_object('score', round((random() * 2 - 1)::numeric, 2), 'horizonDays', 5 + g % 56,
                                      'features', jsonb_build_object('zScore', round((random() * 6 - 3)::numeric, 2)),
                                      'generatedBy', 'bench'),
                   ARRAY['loadtest', m]
            FROM generate_series(1, ?::int) AS g
            CROSS JOIN LATERAL (SELECT g % ?::int AS s,
                                       (ARRAY['momentum', 'mean-reversion', 'value', 'carry', 'pairs', 'breakout'])[1 + g % 6] AS m) x
            """;

    private Seeder() {
    }

    static Dataset seed(Connection c, int instruments, int days, long notes) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET synchronous_commit = off");
        }
        update(c, INSTRUMENTS, instruments);
        update(c, BARS, days);
        long[] range = noteRange(c);
        long count = range[2];
        boolean contiguous = count > 0 && range[1] - range[0] + 1 == count;
        if (count < notes || !contiguous) {
            long before = range[1];
            try (PreparedStatement ps = c.prepareStatement(NOTES)) {
                ps.setLong(1, contiguous ? notes - count : notes);
                ps.setInt(2, instruments);
                ps.executeUpdate();
            }
            range = noteRange(c);
            if (!contiguous) {
                // Use only the block just inserted: one INSERT, so its identity values have no gaps.
                range = new long[] {before + 1, range[1], range[1] - before};
            }
        }
        try (Statement s = c.createStatement()) {
            // VACUUM marks a page all-visible only once the commits of its rows are flushed: rows committed
            // asynchronously a moment ago keep every page "not all-visible", and index-only scans (the snapshot's)
            // then visit the heap for every row, as they never would on data written long before. A synchronous
            // commit flushes the WAL up to it, the asynchronous commits before it included.
            s.execute("RESET synchronous_commit");
            s.execute("SELECT txid_current()");
            s.execute("VACUUM ANALYZE instruments");
            s.execute("VACUUM ANALYZE price_bars");
            s.execute("VACUUM ANALYZE research_notes");
        }
        return new Dataset(range[0], range[1], range[2], instruments, days);
    }

    private static void update(Connection c, String sql, int arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, arg);
            ps.executeUpdate();
        }
    }

    private static long[] noteRange(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT coalesce(min(id), 0), coalesce(max(id), 0), count(*) FROM research_notes")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
        }
    }
}
