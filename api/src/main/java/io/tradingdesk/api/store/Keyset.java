package io.tradingdesk.api.store;

import io.tradingdesk.db.Reads;
import io.tradingdesk.db.RowReader;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A list query with optional filters, read in keyset pages by descending id: the one place that writes the dynamic
 * WHERE clause of the searchable lists. Filters given as {@code null} are left out; values are always bound. Each
 * list has an index ending in id DESC per filter, so a page is a short index scan whatever its depth. Not
 * thread-safe: build, run once.
 */
final class Keyset {
    private final StringBuilder sql;
    private final List<Object> args = new ArrayList<>();
    private final String idColumn;

    /** {@code select} is everything up to the WHERE clause, e.g. {@code SELECT ... FROM pitches p}. */
    Keyset(String select, String idColumn) {
        this.sql = new StringBuilder(select).append(" WHERE true");
        this.idColumn = idColumn;
    }

    /** Adds {@code AND condition} with one {@code ?} bound to {@code value}, unless {@code value} is null. */
    Keyset and(String condition, Object value) {
        if (value != null) {
            sql.append(" AND ").append(condition);
            args.add(value);
        }
        return this;
    }

    /**
     * Up to {@code limit} rows with ids below {@code after} (from the top when null). One row more than asked tells
     * whether another page exists, without a count.
     */
    <T> Slice<T> page(Reads database, RowReader<T> reader, ToLongFunction<T> id, Long after, int limit) {
        and(idColumn + " < ?", after);
        sql.append(" ORDER BY ").append(idColumn).append(" DESC LIMIT ?");
        args.add(limit + 1);
        List<T> rows = database.fetchAll(sql.toString(), reader, args.toArray());
        if (rows.size() <= limit) {
            return new Slice<>(rows, null);
        }
        List<T> items = rows.subList(0, limit);
        return new Slice<>(items, id.applyAsLong(items.get(limit - 1)));
    }
}
