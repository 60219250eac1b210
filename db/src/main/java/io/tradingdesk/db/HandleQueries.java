package io.tradingdesk.db;

import io.tradingdesk.db.internal.PoolMetrics;
import io.tradingdesk.db.internal.SqlErrors;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.result.ResultIterable;
import org.jdbi.v3.core.result.ResultIterator;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The helpers run on one Jdbi handle: the handle of a transaction, or one borrowed for a single call. Counts each
 * statement, warns about slow ones (SQL text only: values are bound, so no data or secret reaches the log) and
 * translates failures. Confined to the thread that owns the handle.
 */
final class HandleQueries implements Transaction {
    private static final Logger LOG = LoggerFactory.getLogger("io.tradingdesk.db.slow");
    private static final Map<Class<?>, RowMapper<?>> RECORD_MAPPERS = new ConcurrentHashMap<>();

    private final Handle handle;
    private final PoolMetrics metrics;
    private final long slowNanos;

    HandleQueries(Handle handle, PoolMetrics metrics, Duration slowQueryThreshold) {
        this.handle = handle;
        this.metrics = metrics;
        this.slowNanos = slowQueryThreshold.isZero() ? Long.MAX_VALUE : slowQueryThreshold.toNanos();
    }

    Handle handle() {
        return handle;
    }

    @Override
    public <T> Optional<T> fetchOne(String sql, Class<T> type, Object... args) {
        return timed(sql, () -> first(mapped(bind(handle.createQuery(sql), args), type)));
    }

    @Override
    public <T> Optional<T> fetchOne(String sql, RowReader<T> reader, Object... args) {
        return timed(sql, () -> first(bind(handle.createQuery(sql), args).map((rs, ctx) -> reader.read(rs))));
    }

    @Override
    public <T> List<T> fetchAll(String sql, Class<T> type, Object... args) {
        return timed(sql, () -> mapped(bind(handle.createQuery(sql), args), type).list());
    }

    @Override
    public <T> List<T> fetchAll(String sql, RowReader<T> reader, Object... args) {
        return timed(sql, () -> bind(handle.createQuery(sql), args).map((rs, ctx) -> reader.read(rs)).list());
    }

    @Override
    public <T> Optional<T> fetchVal(String sql, Class<T> type, Object... args) {
        return timed(sql, () -> first(bind(handle.createQuery(sql), args).mapTo(type)));
    }

    @Override
    public int execute(String sql, Object... args) {
        return timed(sql, () -> bind(handle.createUpdate(sql), args).execute());
    }

    @Override
    public int[] executeMany(String sql, List<Object[]> rows) {
        if (rows.isEmpty()) {
            return new int[0];
        }
        return timed(sql, () -> {
            PreparedBatch batch = handle.prepareBatch(sql);
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    batch.bind(i, row[i]);
                }
                batch.add();
            }
            return batch.execute();
        });
    }

    @Override
    public <T> Optional<T> executeReturning(String sql, Class<T> type, Object... args) {
        return fetchOne(sql, type, args);
    }

    @Override
    public <T> Optional<T> executeReturning(String sql, RowReader<T> reader, Object... args) {
        return fetchOne(sql, reader, args);
    }

    private <R> R timed(String sql, Supplier<R> statement) {
        long start = System.nanoTime();
        try {
            return statement.get();
        } catch (RuntimeException e) {
            throw SqlErrors.translate(e);
        } finally {
            metrics.queryServed();
            long elapsed = System.nanoTime() - start;
            if (elapsed >= slowNanos) {
                LOG.warn("slow query: {} ms: {}", elapsed / 1_000_000, oneLine(sql));
            }
        }
    }

    private static <S extends SqlStatement<S>> S bind(S statement, Object[] args) {
        for (int i = 0; i < args.length; i++) {
            statement.bind(i, args[i]);
        }
        return statement;
    }

    @SuppressWarnings("unchecked")
    private static <T> ResultIterable<T> mapped(Query query, Class<T> type) {
        if (type.isRecord()) {
            return query.map((RowMapper<T>) RECORD_MAPPERS.computeIfAbsent(type, ConstructorMapper::of));
        }
        if (type == Map.class) {
            return (ResultIterable<T>) query.mapToMap();
        }
        return query.mapTo(type);
    }

    private static <T> Optional<T> first(ResultIterable<T> rows) {
        try (ResultIterator<T> it = rows.iterator()) {
            return it.hasNext() ? Optional.ofNullable(it.next()) : Optional.empty();
        }
    }

    static String oneLine(String sql) {
        String flat = sql.strip().replaceAll("\\s+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }

}
