package io.tradingdesk.db;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The reads of one request, routed by {@link ReadRouter}: to a replica that qualifies for {@code atLeast}, else to
 * the primary. A replica that turns out to be down (or cancels the read in a conflict with recovery) hands the read
 * to the primary at once, so a replica's failure never reaches the client; a primary that turns out to be down hands
 * it to a replica that has the token (whatever its lag), so reads go on during a failover. Thread-safe; cheap to
 * create.
 */
final class RoutedReads implements Reads {
    private final Database primary;
    private final ReadRouter router;
    private final WalPosition atLeast;

    /** @param atLeast the consistency token the read must see, or {@code null} (bounded staleness) */
    RoutedReads(Database primary, ReadRouter router, WalPosition atLeast) {
        this.primary = primary;
        this.router = router;
        this.atLeast = atLeast;
    }

    @Override
    public <T> Optional<T> fetchOne(String sql, Class<T> type, Object... args) {
        return read(reads -> reads.fetchOne(sql, type, args));
    }

    @Override
    public <T> Optional<T> fetchOne(String sql, RowReader<T> reader, Object... args) {
        return read(reads -> reads.fetchOne(sql, reader, args));
    }

    @Override
    public <T> List<T> fetchAll(String sql, Class<T> type, Object... args) {
        return read(reads -> reads.fetchAll(sql, type, args));
    }

    @Override
    public <T> List<T> fetchAll(String sql, RowReader<T> reader, Object... args) {
        return read(reads -> reads.fetchAll(sql, reader, args));
    }

    @Override
    public <T> Optional<T> fetchVal(String sql, Class<T> type, Object... args) {
        return read(reads -> reads.fetchVal(sql, type, args));
    }

    private <R> R read(Function<Reads, R> call) {
        int chosen = router.choose(atLeast);
        if (chosen != ReadRouter.PRIMARY) {
            try {
                R result = call.apply(router.pool(chosen));
                router.servedByReplica();
                return result;
            } catch (DbException e) {
                if (!router.fallBack(chosen, e)) {
                    throw e;
                }
            }
        }
        try {
            return call.apply(primary);
        } catch (DatabaseUnavailableException e) {
            // The primary is down too: during a failover the replicas are all there is. One more try, on a fresh
            // connection of a replica that has the token, whatever its lag.
            int replica = router.instead(atLeast);
            if (replica == ReadRouter.PRIMARY) {
                throw e;
            }
            R result = call.apply(router.pool(replica));
            router.servedByReplica();
            return result;
        }
    }
}
