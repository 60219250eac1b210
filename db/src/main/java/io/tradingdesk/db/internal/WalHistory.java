package io.tradingdesk.db.internal;

/**
 * The primary's recent WAL positions, each with the moment it was first seen, from which a replica's lag is
 * measured in time: how long the primary has had WAL that the replica has not replayed yet. Zero whenever the
 * replica has replayed all the primary had, so an idle primary never makes a replica look stale (which
 * {@code now() - pg_last_xact_replay_timestamp()} would: it grows while nothing is written), and a replica that
 * stopped replaying under writes lags by as long as it has been stuck. Resolution: the primary probe's beat.
 *
 * <p>Positions are unsigned LSNs. A position lower than the latest known one means another server became the primary
 * (a failover; its WAL continues from where the promoted replica was): the history starts again from it.
 *
 * <p>Thread-safe (synchronized): written by the primary's probe, read by the replicas' probes, never on a request path.
 */
final class WalHistory {
    private final long[] positions;
    private final long[] firstSeen;
    private int start;
    private int size;

    /** @param capacity positions kept; when full, the oldest is dropped (lags then read as at least its age) */
    WalHistory(int capacity) {
        positions = new long[capacity];
        firstSeen = new long[capacity];
    }

    /** The primary is at {@code position} at {@code nanos} (System.nanoTime). */
    synchronized void record(long position, long nanos) {
        if (size > 0) {
            int cmp = Long.compareUnsigned(position, positions[index(size - 1)]);
            if (cmp == 0) {
                return;
            }
            if (cmp < 0) {
                size = 0;
            }
        }
        if (size == positions.length) {
            start = (start + 1) % positions.length;
            size--;
        }
        positions[index(size)] = position;
        firstSeen[index(size)] = nanos;
        size++;
    }

    /** The latest position recorded, or 0 when none. */
    synchronized long latest() {
        return size == 0 ? 0 : positions[index(size - 1)];
    }

    /**
     * How long, at {@code now}, the primary has had WAL beyond {@code replayed}: zero when {@code replayed} is at or
     * past the latest recorded position, else the time since the first recorded position beyond it was seen.
     */
    synchronized long lagNanos(long replayed, long now) {
        if (size == 0 || Long.compareUnsigned(replayed, positions[index(size - 1)]) >= 0) {
            return 0;
        }
        // Binary search for the first position beyond what was replayed.
        int low = 0;
        int high = size - 1;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(positions[index(mid)], replayed) > 0) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return Math.max(0, now - firstSeen[index(low)]);
    }

    /** Bytes of WAL the primary had beyond {@code replayed} at its latest recorded position (0 when none). */
    synchronized long lagBytes(long replayed) {
        if (size == 0) {
            return 0;
        }
        long latest = positions[index(size - 1)];
        return Long.compareUnsigned(replayed, latest) >= 0 ? 0 : latest - replayed;
    }

    private int index(int i) {
        return (start + i) % positions.length;
    }
}
