-- The market snapshot (GET /api/market/snapshot), kept up to date as bars are written instead of computed on every
-- read. Per instrument it holds what the snapshot used to derive from price_bars with four scans of (symbol, ts):
-- the latest bar, the change against the closes 1 and 7 days before it, and 30 days of volume. Computing that for
-- 200 instruments took about 3.5 ms of PostgreSQL CPU per snapshot (800 index scans and 6,000 numeric additions),
-- which made the snapshot the one PostgreSQL-bound route; reading this table takes a tenth of it. Bars are written
-- in batches and read on every snapshot, so the work moves to the writes: one recomputation per symbol and
-- statement that changed bars (measured in docs/data-layer.md).
--
-- Positions are not in it: a trade changes a position, and the snapshot joins positions when it is read.

CREATE TABLE market_snapshot (
    symbol     text           PRIMARY KEY REFERENCES instruments (symbol) ON DELETE CASCADE,
    last_ts    timestamptz,
    last_close numeric(20, 8),
    change_1d  numeric,
    change_7d  numeric,
    volume_30d numeric
);

-- Recomputes the rows of `changed` from price_bars. Writers of the same symbols are serialized on the snapshot rows
-- (locked in symbol order, so two batches over the same symbols queue instead of deadlocking): a writer that had to
-- wait computes after the other committed, from a fresh snapshot of price_bars (READ COMMITTED takes one per
-- statement), so the last writer's row always reflects every committed bar. The formulas are the ones the
-- snapshot query used before this migration.
CREATE FUNCTION market_snapshot_refresh(changed text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO market_snapshot (symbol)
    SELECT DISTINCT s FROM unnest(changed) AS s ORDER BY s
    ON CONFLICT (symbol) DO NOTHING;
    PERFORM FROM market_snapshot WHERE symbol = ANY (changed) ORDER BY symbol FOR NO KEY UPDATE;
    UPDATE market_snapshot m
    SET last_ts = c.last_ts, last_close = c.last_close, change_1d = c.change_1d, change_7d = c.change_7d,
        volume_30d = c.volume_30d
    FROM (
        SELECT s.symbol, l.ts AS last_ts, l.close AS last_close,
               round(l.close / d1.close - 1, 8) AS change_1d,
               round(l.close / d7.close - 1, 8) AS change_7d,
               v.volume_30d
        FROM (SELECT DISTINCT unnest(changed) AS symbol) s
        LEFT JOIN LATERAL (SELECT b.ts, b.close FROM price_bars b
                           WHERE b.symbol = s.symbol ORDER BY b.ts DESC LIMIT 1) l ON true
        LEFT JOIN LATERAL (SELECT b.close FROM price_bars b
                           WHERE b.symbol = s.symbol AND b.ts <= l.ts - interval '1 day'
                           ORDER BY b.ts DESC LIMIT 1) d1 ON true
        LEFT JOIN LATERAL (SELECT b.close FROM price_bars b
                           WHERE b.symbol = s.symbol AND b.ts <= l.ts - interval '7 days'
                           ORDER BY b.ts DESC LIMIT 1) d7 ON true
        LEFT JOIN LATERAL (SELECT sum(b.volume) AS volume_30d FROM price_bars b
                           WHERE b.symbol = s.symbol AND b.ts > l.ts - interval '30 days'
                             AND b.ts <= l.ts) v ON true
    ) c
    WHERE m.symbol = c.symbol;
END
$$;

-- Statement-level triggers: a batch of bars (one multi-row INSERT ... ON CONFLICT on the wire) recomputes each of its
-- symbols once. PostgreSQL allows a transition table on a trigger of one event only, hence one trigger per event;
-- an upsert fires the INSERT trigger for the rows it inserted and the UPDATE trigger for those it replaced.
CREATE FUNCTION market_snapshot_after_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM market_snapshot_refresh(ARRAY(SELECT DISTINCT symbol FROM new_bars));
    RETURN NULL;
END
$$;

CREATE FUNCTION market_snapshot_after_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM market_snapshot_refresh(ARRAY(SELECT symbol FROM new_bars UNION SELECT symbol FROM old_bars));
    RETURN NULL;
END
$$;

CREATE FUNCTION market_snapshot_after_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM market_snapshot_refresh(ARRAY(SELECT DISTINCT symbol FROM old_bars));
    RETURN NULL;
END
$$;

CREATE FUNCTION market_snapshot_after_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM market_snapshot;
    RETURN NULL;
END
$$;

CREATE TRIGGER market_snapshot_insert AFTER INSERT ON price_bars
    REFERENCING NEW TABLE AS new_bars FOR EACH STATEMENT EXECUTE FUNCTION market_snapshot_after_insert();
CREATE TRIGGER market_snapshot_update AFTER UPDATE ON price_bars
    REFERENCING OLD TABLE AS old_bars NEW TABLE AS new_bars FOR EACH STATEMENT
    EXECUTE FUNCTION market_snapshot_after_update();
CREATE TRIGGER market_snapshot_delete AFTER DELETE ON price_bars
    REFERENCING OLD TABLE AS old_bars FOR EACH STATEMENT EXECUTE FUNCTION market_snapshot_after_delete();
CREATE TRIGGER market_snapshot_truncate AFTER TRUNCATE ON price_bars
    FOR EACH STATEMENT EXECUTE FUNCTION market_snapshot_after_truncate();

-- The bars already written.
SELECT market_snapshot_refresh(ARRAY(SELECT DISTINCT symbol FROM price_bars));
