package io.tradingdesk.testkit;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every write the tests sent and what the service answered: the ids of writes that got a 2xx, and a count of those
 * that got an error. Afterwards {@link #verify} checks, exactly and without sampling, that every acknowledged write is
 * in the database and that trades, pitches and positions agree. Thread-safe.
 */
public final class Ledger {
    public record Trade(long id, long pitchId, String idempotencyKey, String symbol, BigDecimal quantity) {
    }

    /** A trade request that got no 2xx: resent later with the same Idempotency-Key. */
    public record PendingTrade(String idempotencyKey, String body) {
    }

    public record Bar(String symbol, Instant ts) {
    }

    /** The outcome of {@link #verify}: how many rows were looked at and what is wrong (empty when nothing). */
    public record Verification(long acknowledgedWrites, long rowsChecked, long rowsLost, List<String> problems) {
    }

    public final Set<String> instruments = ConcurrentHashMap.newKeySet();
    public final ConcurrentLinkedQueue<Long> research = new ConcurrentLinkedQueue<>();
    public final ConcurrentLinkedQueue<Long> pitches = new ConcurrentLinkedQueue<>();
    public final ConcurrentLinkedQueue<Trade> trades = new ConcurrentLinkedQueue<>();
    public final ConcurrentLinkedQueue<Bar> bars = new ConcurrentLinkedQueue<>();
    public final ConcurrentLinkedQueue<PendingTrade> pendingTrades = new ConcurrentLinkedQueue<>();
    public final Map<String, AtomicLong> errorsByStatus = new ConcurrentHashMap<>();
    public final AtomicLong writesAcknowledged = new AtomicLong();
    public final AtomicLong writesFailed = new AtomicLong();
    public final AtomicLong idempotentReplays = new AtomicLong();

    public void acknowledged() {
        writesAcknowledged.incrementAndGet();
    }

    public void failed(String what, Reply reply) {
        writesFailed.incrementAndGet();
        errorsByStatus.computeIfAbsent(what + " " + reply.status(), k -> new AtomicLong()).incrementAndGet();
    }

    public Verification verify(Connection c) throws SQLException {
        var problems = new ArrayList<String>();
        long checked = 0;
        long lost = 0;

        List<Long> researchIds = List.copyOf(new HashSet<>(research));
        long found = countIds(c, "research_notes", researchIds);
        checked += researchIds.size();
        lost += researchIds.size() - found;
        if (found != researchIds.size()) {
            problems.add((researchIds.size() - found) + " acknowledged research notes missing");
        }

        List<Long> pitchIds = List.copyOf(new HashSet<>(pitches));
        found = countIds(c, "pitches", pitchIds);
        checked += pitchIds.size();
        lost += pitchIds.size() - found;
        if (found != pitchIds.size()) {
            problems.add((pitchIds.size() - found) + " acknowledged pitches missing");
        }

        Map<Long, Trade> byId = new HashMap<>();
        for (Trade t : trades) {
            Trade earlier = byId.putIfAbsent(t.id(), t);
            if (earlier != null && (earlier.pitchId() != t.pitchId())) {
                problems.add("trade " + t.id() + " acknowledged for two pitches: " + earlier + " and " + t);
            }
        }
        checked += byId.size();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, pitch_id, idempotency_key, symbol, quantity FROM trades WHERE id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("bigint", byId.keySet().toArray()));
            var seen = new HashSet<Long>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    seen.add(id);
                    Trade t = byId.get(id);
                    if (t.pitchId() != rs.getLong(2) || !t.symbol().equals(rs.getString(4))
                            || t.quantity().compareTo(rs.getBigDecimal(5)) != 0
                            || (t.idempotencyKey() != null && !t.idempotencyKey().equals(rs.getString(3)))) {
                        problems.add("trade " + id + " differs from its acknowledgement " + t);
                    }
                }
            }
            long missing = byId.size() - seen.size();
            lost += missing;
            if (missing > 0) {
                problems.add(missing + " acknowledged trades missing");
            }
        }

        List<Bar> barList = List.copyOf(new HashSet<>(bars));
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT count(*) FROM price_bars b
                JOIN unnest(?::text[], ?::timestamptz[]) AS u(symbol, ts) ON b.symbol = u.symbol AND b.ts = u.ts""")) {
            ps.setArray(1, c.createArrayOf("text", barList.stream().map(Bar::symbol).toArray()));
            ps.setArray(2, c.createArrayOf("timestamptz",
                    barList.stream().map(b -> OffsetDateTime.ofInstant(b.ts(), ZoneOffset.UTC)).toArray()));
            long barsFound = single(ps);
            checked += barList.size();
            lost += barList.size() - barsFound;
            if (barsFound != barList.size()) {
                problems.add((barList.size() - barsFound) + " acknowledged price bars missing");
            }
        }

        try (Statement s = c.createStatement()) {
            checked += scalar(s, "SELECT count(*) FROM trades") + scalar(s, "SELECT count(*) FROM positions")
                    + scalar(s, "SELECT count(*) FROM pitches");
            long notExecuted = scalar(s, """
                    SELECT count(*) FROM trades t JOIN pitches p ON p.id = t.pitch_id WHERE p.status <> 'executed'""");
            if (notExecuted > 0) {
                problems.add(notExecuted + " trades whose pitch is not executed");
            }
            long executedWithoutOne = scalar(s, """
                    SELECT count(*) FROM pitches p WHERE p.status = 'executed'
                    AND (SELECT count(*) FROM trades t WHERE t.pitch_id = p.id) <> 1""");
            if (executedWithoutOne > 0) {
                problems.add(executedWithoutOne + " executed pitches without exactly one trade");
            }
            long wrongSymbolOrSide = scalar(s, """
                    SELECT count(*) FROM trades t JOIN pitches p ON p.id = t.pitch_id
                    WHERE t.symbol <> p.symbol OR t.side <> p.side""");
            if (wrongSymbolOrSide > 0) {
                problems.add(wrongSymbolOrSide + " trades whose symbol or side differs from their pitch");
            }
            long positionMismatch = scalar(s, """
                    SELECT count(*) FROM (
                        SELECT symbol, sum(CASE side WHEN 'buy' THEN quantity ELSE -quantity END) AS net
                        FROM trades GROUP BY symbol) t
                    FULL JOIN positions p USING (symbol)
                    WHERE coalesce(t.net, 0) <> coalesce(p.quantity, 0)""");
            if (positionMismatch > 0) {
                problems.add(positionMismatch + " symbols whose position differs from the sum of their trades");
            }
            long duplicateKeys = scalar(s, """
                    SELECT count(*) FROM (SELECT idempotency_key FROM trades WHERE idempotency_key IS NOT NULL
                    GROUP BY 1 HAVING count(*) > 1) d""");
            if (duplicateKeys > 0) {
                problems.add(duplicateKeys + " idempotency keys with more than one trade");
            }
        }
        return new Verification(writesAcknowledged.get(), checked, lost, problems);
    }

    private static long countIds(Connection c, String table, List<Long> ids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE id = ANY (?)")) {
            Array array = c.createArrayOf("bigint", ids.toArray());
            ps.setArray(1, array);
            return single(ps);
        }
    }

    private static long single(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static long scalar(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
