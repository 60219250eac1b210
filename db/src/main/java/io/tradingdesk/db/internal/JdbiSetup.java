package io.tradingdesk.db.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Type;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.argument.ArgumentFactory;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.jdbi.v3.core.generic.GenericTypes;
import org.jdbi.v3.core.mapper.ColumnMapper;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;

/** Builds the one Jdbi instance of a Database: connections from our source, jsonb and timestamptz mapping, timeouts. */
public final class JdbiSetup {
    private JdbiSetup() {
    }

    public static Jdbi create(ConnectionSource source, Duration commandTimeout, ObjectMapper json) {
        Jdbi jdbi = Jdbi.create(new org.jdbi.v3.core.ConnectionFactory() {
            @Override
            public Connection openConnection() {
                return source.acquire();
            }

            @Override
            public void closeConnection(Connection connection) {
                source.release(connection);
            }
        });
        jdbi.registerArgument(new JsonbArguments(new Parameters(json)));
        jdbi.registerArgument(new InstantArguments());
        // Jdbi binds String[] as varchar[] by default, and PostgreSQL has no text[] && varchar[] (nor @>, <@):
        // filters such as "tags && ?" on a text[] column would fail with SQLSTATE 42883.
        jdbi.registerArrayType(String.class, "text");
        jdbi.registerColumnMapper(JsonNode.class, jsonNodeMapper(json));
        jdbi.registerColumnMapper(Instant.class, (rs, column, ctx) -> {
            OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
            return value == null ? null : value.toInstant();
        });
        long timeoutNanos = commandTimeout.toNanos();
        jdbi.addCustomizer(new StatementCustomizer() {
            @Override
            public void beforeExecution(PreparedStatement statement, StatementContext ctx) {
                // Under the watchdog's deadline: past it, the statement is cancelled by the server (SQLSTATE 57014)
                // and the connection stays usable. Per statement, never per session. HandleQueries clears it.
                TrackedConnection tracked = TrackedConnection.of(ctx.getConnection());
                if (tracked != null) {
                    tracked.statementStarted(statement, timeoutNanos);
                }
            }
        });
        return jdbi;
    }

    private static ColumnMapper<JsonNode> jsonNodeMapper(ObjectMapper json) {
        return (rs, column, ctx) -> {
            String text = rs.getString(column);
            if (text == null) {
                return null;
            }
            try {
                return json.readTree(text);
            } catch (JsonProcessingException e) {
                throw new SQLException("column " + column + " is not valid JSON", "22032", e);
            }
        };
    }

    /** Jackson trees and maps go to PostgreSQL as jsonb, written as on the plain-JDBC path. */
    private record JsonbArguments(Parameters parameters) implements ArgumentFactory.Preparable {
        @Override
        public Optional<Function<Object, Argument>> prepare(Type type, ConfigRegistry config) {
            Class<?> raw = GenericTypes.getErasedType(type);
            if (!JsonNode.class.isAssignableFrom(raw) && !Map.class.isAssignableFrom(raw)) {
                return Optional.empty();
            }
            return Optional.of(value -> (position, statement, ctx) -> {
                if (value == null) {
                    statement.setNull(position, Types.OTHER);
                } else {
                    statement.setObject(position, parameters.jsonb(value, position));
                }
            });
        }
    }

    /** Instants bind as timestamptz values, independent of the JVM's time zone. */
    private static final class InstantArguments implements ArgumentFactory.Preparable {
        @Override
        public Optional<Function<Object, Argument>> prepare(Type type, ConfigRegistry config) {
            if (GenericTypes.getErasedType(type) != Instant.class) {
                return Optional.empty();
            }
            return Optional.of(value -> (position, statement, ctx) -> {
                if (value == null) {
                    statement.setNull(position, Types.TIMESTAMP_WITH_TIMEZONE);
                } else {
                    statement.setObject(position, ((Instant) value).atOffset(ZoneOffset.UTC));
                }
            });
        }
    }
}
