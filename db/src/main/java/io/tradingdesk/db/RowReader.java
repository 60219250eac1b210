package io.tradingdesk.db;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Turns the current row of a result set into a value. Called once per row on the querying thread; it must not keep
 * the {@link ResultSet}, which is closed when the query ends.
 */
@FunctionalInterface
public interface RowReader<T> {
    T read(ResultSet row) throws SQLException;
}
