package io.tradingdesk.db.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.postgresql.util.PGobject;

/**
 * Binds the query helpers' arguments to a JDBC statement on the plain-JDBC path, the same way the Jdbi path does
 * ({@code JdbiSetup}): {@code Instant} as timestamptz (UTC, whatever the JVM's zone), {@code String[]} as
 * {@code text[]}, {@code Long[]} as {@code bigint[]}, {@code JsonNode} and {@code Map} as jsonb, enums by name, null
 * as an untyped NULL (the server infers the type), everything else as the driver binds it. Stateless apart from the
 * mapper; thread-safe.
 */
public final class Parameters {
    private final ObjectMapper json;

    public Parameters(ObjectMapper json) {
        this.json = json;
    }

    public void bind(PreparedStatement statement, Object[] args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            bind(statement, i + 1, args[i]);
        }
    }

    private void bind(PreparedStatement statement, int position, Object value) throws SQLException {
        switch (value) {
            case null -> statement.setNull(position, Types.OTHER);
            case String text -> statement.setString(position, text);
            case Long number -> statement.setLong(position, number);
            case Integer number -> statement.setInt(position, number);
            case BigDecimal number -> statement.setBigDecimal(position, number);
            case Boolean bool -> statement.setBoolean(position, bool);
            case Instant instant -> statement.setObject(position, instant.atOffset(ZoneOffset.UTC));
            case String[] texts -> statement.setArray(position, statement.getConnection().createArrayOf("text", texts));
            case Long[] numbers -> statement.setArray(position, statement.getConnection().createArrayOf("int8", numbers));
            case JsonNode node -> statement.setObject(position, jsonb(node, position));
            case Map<?, ?> map -> statement.setObject(position, jsonb(map, position));
            case Enum<?> constant -> statement.setString(position, constant.name());
            default -> statement.setObject(position, value);
        }
    }

    /** {@code value} (a Jackson tree or a map) as a jsonb parameter. */
    PGobject jsonb(Object value, int position) throws SQLException {
        var object = new PGobject();
        object.setType("jsonb");
        try {
            object.setValue(json.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new SQLException("value for parameter " + position + " cannot be written as JSON", "22032", e);
        }
        return object;
    }
}
