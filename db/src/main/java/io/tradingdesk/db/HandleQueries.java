package io.tradingdesk.db;

import io.tradingdesk.db.internal.SqlErrors;
import io.tradingdesk.db.internal.StatementRunner;
import io.tradingdesk.db.internal.TrackedConnection;
import java.sql.PreparedStatement;
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
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * The helpers run on one Jdbi handle: the handle of a transaction, or one borrowed for a single call that maps rows
 * to a class (records by column name, maps, scalars; the RowReader helpers outside transactions take the plain-JDBC
 * path of {@code StatementRunner}). Counts each statement, warns about slow ones and translates failures. Confined to
 * the thread that owns the handle.
 */
final class HandleQueries implements Transaction {
    private static final Map<Class<?>, RowMapper<?>> RECORD_MAPPERS = new ConcurrentHashMap<>();

    private final Handle handle;
    private final StatementRunner runner;
    private final long timeoutNanos;

    HandleQueries(Handle handle, StatementRunner runner, long timeoutNanos) {
        this.handle = handle;
        this.runner = runner;
        this.timeoutNanos = timeoutNanos;
    }

    Handle handle() {
        return handle;
    }

    @Override
    public <T> Optional<T> fetchOne(String sql, Class<T> type, Object... args) {
        RowReader<T> scalar = Scalars.reader(type);
        return scalar != null ? fetchOne(sql, scalar, args)
                : timed(sql, () -> first(mapped(bind(handle.createQuery(sql), args), type)));
    }

    // The RowReader helpers, execute and executeMany run as plain JDBC on the handle's connection (StatementRunner):
    // a Jdbi statement per call cost a write a third of its server CPU. The Class<T> helpers need Jdbi's mappers,
    // scalars excepted.
    @Override
    public <T> Optional<T> fetchOne(String sql, RowReader<T> reader, Object... args) {
        return runner.runOn(handle.getConnection(), sql, args, timeoutNanos, StatementRunner.one(reader));
    }

    @Override
    public <T> List<T> fetchAll(String sql, Class<T> type, Object... args) {
        RowReader<T> scalar = Scalars.reader(type);
        return scalar != null ? fetchAll(sql, scalar, args)
                : timed(sql, () -> mapped(bind(handle.createQuery(sql), args), type).list());
    }

    @Override
    public <T> List<T> fetchAll(String sql, RowReader<T> reader, Object... args) {
        return runner.runOn(handle.getConnection(), sql, args, timeoutNanos, StatementRunner.all(reader));
    }

    @Override
    public <T> Optional<T> fetchVal(String sql, Class<T> type, Object... args) {
        RowReader<T> scalar = Scalars.reader(type);
        return scalar != null ? fetchOne(sql, scalar, args)
                : timed(sql, () -> first(bind(handle.createQuery(sql), args).mapTo(type)));
    }

    @Override
    public int execute(String sql, Object... args) {
        return runner.runOn(handle.getConnection(), sql, args, timeoutNanos, PreparedStatement::executeUpdate);
    }

    @Override
    public int[] executeMany(String sql, List<Object[]> rows) {
        if (rows.isEmpty()) {
            return new int[0];
        }
        return runner.runOn(handle.getConnection(), sql, rows.getFirst(), timeoutNanos, runner.batch(rows));
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
            R result = statement.get();
            runner.answered();
            return result;
        } catch (RuntimeException e) {
            throw SqlErrors.translate(e);
        } finally {
            // JdbiSetup put the statement under the watchdog just before it ran; it is done, failed or not.
            TrackedConnection tracked = TrackedConnection.of(handle.getConnection());
            if (tracked != null) {
                tracked.statementFinished();
            }
            runner.served(sql, start);
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


}
