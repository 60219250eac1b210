package io.tradingdesk.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DbConfigTest {
    private static final String PASSWORD = "Sup3r-s3cret";
    private static final String URL = "postgresql://desk:" + PASSWORD + "@db.example:5433/desk";

    private static DbConfig from(String... pairs) {
        var env = new HashMap<String, String>();
        env.put("DATABASE_URL", URL);
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return DbConfig.from(env);
    }

    @Test
    void everyVariableHasTheDocumentedDefault() {
        DbConfig config = from();

        assertThat(config.poolMode()).isEqualTo(PoolMode.POOLED);
        assertThat(config.minPoolSize()).isEqualTo(10);
        assertThat(config.maxPoolSize()).isEqualTo(50);
        assertThat(config.commandTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.maxQueries()).isEqualTo(50_000);
        assertThat(config.maxInactiveConnectionLifetime()).isEqualTo(Duration.ofSeconds(300));
        assertThat(config.acquireTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.maxWaiting()).isEqualTo(200);
        assertThat(config.maxLifetime()).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.leakDetectionThreshold()).isEqualTo(Duration.ofSeconds(120));
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.startTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.healthTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.slowQueryThreshold()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.transactionRetries()).isEqualTo(3);
        assertThat(config.pgbouncer()).isFalse();
        assertThat(config.applicationName()).isEqualTo("trading-desk");
        assertThat(config.url().properties()).containsEntry("ApplicationName", "trading-desk");
    }

    @Test
    void theMinimumPoolSizeDefaultNeverExceedsASmallerMaximum() {
        DbConfig config = from("DB_MAX_POOL_SIZE", "4");

        assertThat(config.minPoolSize()).isEqualTo(4);
        assertThat(config.maxWaiting()).as("4 waiting per connection").isEqualTo(16);
    }

    @Test
    void goodValuesForEveryVariableAreTakenAsGiven() {
        DbConfig config = from(
                "DB_POOL_MODE", " Direct ",
                "DB_MIN_POOL_SIZE", "2",
                "DB_MAX_POOL_SIZE", "8",
                "DB_COMMAND_TIMEOUT", "0.5",
                "DB_MAX_QUERIES", "0",
                "DB_MAX_INACTIVE_CONNECTION_LIFETIME", "12.5",
                "DB_ACQUIRE_TIMEOUT", "0.25",
                "DB_MAX_WAITING", "0",
                "DB_MAX_LIFETIME", "0",
                "DB_LEAK_DETECTION_THRESHOLD", "0",
                "DB_CONNECT_TIMEOUT", "3",
                "DB_START_TIMEOUT", "0",
                "DB_SHUTDOWN_GRACE", "1.5",
                "DB_HEALTH_TIMEOUT", "1",
                "DB_SLOW_QUERY_THRESHOLD", "0",
                "DB_TX_RETRIES", "0",
                "DB_PGBOUNCER", "yes",
                "DB_APPLICATION_NAME", "desk-api");

        assertThat(config.poolMode()).isEqualTo(PoolMode.DIRECT);
        assertThat(config.minPoolSize()).isEqualTo(2);
        assertThat(config.maxPoolSize()).isEqualTo(8);
        assertThat(config.commandTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.maxQueries()).isZero();
        assertThat(config.maxInactiveConnectionLifetime()).isEqualTo(Duration.ofMillis(12_500));
        assertThat(config.acquireTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.maxWaiting()).isZero();
        assertThat(config.maxLifetime()).isZero();
        assertThat(config.leakDetectionThreshold()).isZero();
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.startTimeout()).isZero();
        assertThat(config.shutdownGrace()).isEqualTo(Duration.ofMillis(1_500));
        assertThat(config.healthTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.slowQueryThreshold()).isZero();
        assertThat(config.transactionRetries()).isZero();
        assertThat(config.pgbouncer()).isTrue();
        assertThat(config.applicationName()).isEqualTo("desk-api");
        assertThat(config.url().properties()).containsEntry("ApplicationName", "desk-api");
    }

    @Test
    void anApplicationNameInTheUrlWinsOverTheVariable() {
        var env = Map.of("DATABASE_URL", URL + "?application_name=from-url", "DB_APPLICATION_NAME", "from-variable");

        assertThat(DbConfig.from(env).applicationName()).isEqualTo("from-url");
    }

    @Test
    void blankValuesCountAsUnset() {
        DbConfig config = from("DB_MAX_POOL_SIZE", "  ", "DB_COMMAND_TIMEOUT", "", "DB_POOL_MODE", " ");

        assertThat(config.maxPoolSize()).isEqualTo(50);
        assertThat(config.commandTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.poolMode()).isEqualTo(PoolMode.POOLED);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                // not a number
                Arguments.of("DB_MAX_POOL_SIZE", "ten", "DB_MAX_POOL_SIZE: 'ten' is not a whole number (accepted: 1..10000)"),
                Arguments.of("DB_MIN_POOL_SIZE", "1.5", "DB_MIN_POOL_SIZE: '1.5' is not a whole number (accepted: 0..DB_MAX_POOL_SIZE)"),
                Arguments.of("DB_MAX_QUERIES", "many", "DB_MAX_QUERIES: 'many' is not a whole number (accepted: 0 (never) or 1.."
                        + Long.MAX_VALUE + ")"),
                Arguments.of("DB_MAX_WAITING", "x", "DB_MAX_WAITING: 'x' is not a whole number (accepted: 0..1000000)"),
                Arguments.of("DB_TX_RETRIES", "3x", "DB_TX_RETRIES: '3x' is not a whole number (accepted: 0..100)"),
                Arguments.of("DB_COMMAND_TIMEOUT", "60s", "DB_COMMAND_TIMEOUT: '60s' is not a number of seconds (accepted: 0.001..86400)"),
                Arguments.of("DB_ACQUIRE_TIMEOUT", "soon", "DB_ACQUIRE_TIMEOUT: 'soon' is not a number of seconds (accepted: 0.25..600)"),
                Arguments.of("DB_MAX_INACTIVE_CONNECTION_LIFETIME", "NaN",
                        "DB_MAX_INACTIVE_CONNECTION_LIFETIME: 'NaN' is not a number of seconds (accepted: 0 (never) or 10..86400)"),
                Arguments.of("DB_PGBOUNCER", "maybe", "DB_PGBOUNCER: 'maybe' is not a boolean (accepted: true, false)"),
                // negative
                Arguments.of("DB_MAX_POOL_SIZE", "-1", "DB_MAX_POOL_SIZE: -1 is out of range (accepted: 1..10000)"),
                Arguments.of("DB_MIN_POOL_SIZE", "-1", "DB_MIN_POOL_SIZE: -1 is out of range (accepted: 0..10000)"),
                Arguments.of("DB_MAX_QUERIES", "-5", "DB_MAX_QUERIES: -5 is negative (accepted: 0 = never retire, or 1.."
                        + Long.MAX_VALUE + ")"),
                Arguments.of("DB_MAX_WAITING", "-1", "DB_MAX_WAITING: -1 is out of range (accepted: 0..1000000)"),
                Arguments.of("DB_TX_RETRIES", "-1", "DB_TX_RETRIES: -1 is out of range (accepted: 0..100)"),
                Arguments.of("DB_COMMAND_TIMEOUT", "-1", "DB_COMMAND_TIMEOUT: '-1' is negative (accepted: 0.001..86400 seconds)"),
                Arguments.of("DB_SHUTDOWN_GRACE", "-0.5", "DB_SHUTDOWN_GRACE: '-0.5' is negative (accepted: 0..600 seconds)"),
                // out of range
                Arguments.of("DB_MAX_POOL_SIZE", "0", "DB_MAX_POOL_SIZE: 0 is out of range (accepted: 1..10000)"),
                Arguments.of("DB_MAX_POOL_SIZE", "10001", "DB_MAX_POOL_SIZE: 10001 is out of range (accepted: 1..10000)"),
                Arguments.of("DB_MAX_POOL_SIZE", "99999999999", "DB_MAX_POOL_SIZE: '99999999999' is out of range (accepted: 1..10000)"),
                Arguments.of("DB_TX_RETRIES", "101", "DB_TX_RETRIES: 101 is out of range (accepted: 0..100)"),
                Arguments.of("DB_COMMAND_TIMEOUT", "0", "DB_COMMAND_TIMEOUT: 0 s is out of range (accepted: 0.001..86400 seconds)"),
                Arguments.of("DB_COMMAND_TIMEOUT", "86401", "DB_COMMAND_TIMEOUT: 86401 s is out of range (accepted: 0.001..86400 seconds)"),
                Arguments.of("DB_COMMAND_TIMEOUT", "1e9", "DB_COMMAND_TIMEOUT: '1e9' is too large (accepted: 0.001..86400 seconds)"),
                Arguments.of("DB_ACQUIRE_TIMEOUT", "0.1", "DB_ACQUIRE_TIMEOUT: 0.1 s is out of range (accepted: 0.25..600 seconds)"),
                Arguments.of("DB_MAX_INACTIVE_CONNECTION_LIFETIME", "5",
                        "DB_MAX_INACTIVE_CONNECTION_LIFETIME: 5 s is out of range (accepted: 0 or 10..86400 seconds)"),
                Arguments.of("DB_MAX_LIFETIME", "29", "DB_MAX_LIFETIME: 29 s is out of range (accepted: 0 or 30..604800 seconds)"),
                Arguments.of("DB_LEAK_DETECTION_THRESHOLD", "1",
                        "DB_LEAK_DETECTION_THRESHOLD: 1 s is out of range (accepted: 0 or 2..86400 seconds)"),
                Arguments.of("DB_CONNECT_TIMEOUT", "0.5", "DB_CONNECT_TIMEOUT: 0.5 s is out of range (accepted: 1..600 seconds)"),
                Arguments.of("DB_START_TIMEOUT", "3601", "DB_START_TIMEOUT: 3601 s is out of range (accepted: 0..3600 seconds)"),
                Arguments.of("DB_SHUTDOWN_GRACE", "601", "DB_SHUTDOWN_GRACE: 601 s is out of range (accepted: 0..600 seconds)"),
                Arguments.of("DB_HEALTH_TIMEOUT", "0", "DB_HEALTH_TIMEOUT: 0 s is out of range (accepted: 0.25..60 seconds)"),
                Arguments.of("DB_SLOW_QUERY_THRESHOLD", "86401",
                        "DB_SLOW_QUERY_THRESHOLD: 86401 s is out of range (accepted: 0..86400 seconds)"),
                Arguments.of("DB_APPLICATION_NAME", "x".repeat(64), "DB_APPLICATION_NAME: '" + "x".repeat(64)
                        + "' must be 1..63 characters (PostgreSQL truncates longer names)"),
                // unknown mode
                Arguments.of("DB_POOL_MODE", "bouncer", "DB_POOL_MODE: 'bouncer' is not a pool mode (accepted: pooled, direct)"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badValues")
    void aBadValueIsRefusedWithOneLineNamingTheVariable(String variable, String value, String message) {
        assertThatThrownBy(() -> from(variable, value))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message)
                .hasMessageStartingWith(variable + ": ")
                .hasMessageNotContaining("\n")
                .hasMessageNotContaining(PASSWORD);
    }

    @Test
    void aMinimumAboveTheMaximumIsRefusedNamingBoth() {
        assertThatThrownBy(() -> from("DB_MIN_POOL_SIZE", "20", "DB_MAX_POOL_SIZE", "5"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("DB_MIN_POOL_SIZE: 20 is greater than DB_MAX_POOL_SIZE 5 (accepted: 0..DB_MAX_POOL_SIZE)");
    }

    @Test
    void aMissingDatabaseUrlIsRefused() {
        assertThatThrownBy(() -> DbConfig.from(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("DATABASE_URL: not set (expected postgresql://");
    }

    @Test
    void aMalformedDatabaseUrlIsRefusedWithoutItsPassword() {
        assertThatThrownBy(() -> DbConfig.from(Map.of("DATABASE_URL", "mysql://desk:" + PASSWORD + "@db/desk")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("DATABASE_URL: unsupported scheme in 'mysql://desk:***@db/desk'"
                        + " (expected postgresql://, postgres:// or jdbc:postgresql://)");
    }

    @Test
    void toStringShowsTheTargetAndSettingsButMasksThePassword() {
        String text = from("DB_MAX_POOL_SIZE", "8", "DB_MIN_POOL_SIZE", "2").toString();

        assertThat(text)
                .startsWith("DbConfig[url=desk@db.example:5433/desk (password ***), mode=pooled, pool=2..8,")
                .contains("applicationName=trading-desk")
                .doesNotContain(PASSWORD);
    }

    @Test
    void toStringOfAJdbcUrlWithAPasswordParameterMasksIt() {
        var config = DbConfig.from(Map.of("DATABASE_URL",
                "jdbc:postgresql://db.example:5433/desk?user=desk&password=" + PASSWORD + "&sslmode=require"));

        assertThat(config.toString()).contains("desk@db.example:5433/desk (password ***)").doesNotContain(PASSWORD);
        assertThat(config.url().toString()).doesNotContain(PASSWORD);
    }

    @Test
    void withPoolSizeChangesOnlyTheSizeAndRevalidates() {
        DbConfig config = from("DB_COMMAND_TIMEOUT", "2");
        DbConfig resized = config.withPoolSize(1, 3);

        assertThat(resized.minPoolSize()).isEqualTo(1);
        assertThat(resized.maxPoolSize()).isEqualTo(3);
        assertThat(resized.commandTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(resized.url()).isEqualTo(config.url());
        assertThatThrownBy(() -> config.withPoolSize(4, 3))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("DB_MIN_POOL_SIZE: 4 is greater than DB_MAX_POOL_SIZE 3");
    }

    @Test
    void withoutAReadUrlThereIsNoReadPoolWhateverTheReadSizesSay() {
        assertThat(from().readPool()).isNull();
        assertThat(from("DB_READ_MAX_POOL_SIZE", "7", "DATABASE_READ_URL", " ").readPool()).isNull();
    }

    @Test
    void aReadUrlHasTheDocumentedDefaultsAndBorrowsTheCredentialsOfTheDatabaseUrl() {
        ReadPoolConfig read = from("DATABASE_READ_URL", "postgresql://replica1:5434,replica2/desk").readPool();

        assertThat(read.url().hosts()).containsExactly("replica1:5434", "replica2:5432");
        assertThat(read.url().user()).isEqualTo("desk");
        assertThat(read.url().password()).isEqualTo(PASSWORD);
        assertThat(read.minPoolSize()).isEqualTo(10);
        assertThat(read.maxPoolSize()).isEqualTo(50);
        assertThat(read.maxWaiting()).isEqualTo(200);
        assertThat(read.maxLag()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void goodReadValuesAreTakenAsGivenAndAReadUrlWithAUserKeepsItsOwnCredentials() {
        DbConfig config = from("DATABASE_READ_URL", "postgresql://reader:other@replica:5434/desk",
                "DB_READ_MIN_POOL_SIZE", "1", "DB_READ_MAX_POOL_SIZE", "4", "DB_READ_MAX_WAITING", "3",
                "DB_READ_MAX_LAG", "0.25");
        ReadPoolConfig read = config.readPool();

        assertThat(read.url().user()).isEqualTo("reader");
        assertThat(read.url().password()).isEqualTo("other");
        assertThat(read.minPoolSize()).isEqualTo(1);
        assertThat(read.maxPoolSize()).isEqualTo(4);
        assertThat(read.maxWaiting()).isEqualTo(3);
        assertThat(read.maxLag()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.toString()).contains("readPool=ReadPoolConfig[url=reader@replica:5434/desk (password ***)")
                .doesNotContain("other").doesNotContain(PASSWORD);
    }

    @Test
    void aReadPoolOfOneHostTakesTheReadSizesAndEveryOtherSettingOfThePrimaryPool() {
        DbConfig config = from("DATABASE_READ_URL", "postgresql://replica1:5434,replica2/desk",
                "DB_READ_MAX_POOL_SIZE", "6", "DB_COMMAND_TIMEOUT", "2", "DB_PGBOUNCER", "true");

        DbConfig host = config.readPoolFor("replica2:5432", "trading-desk-read-2");

        assertThat(host.url().jdbcUrl()).isEqualTo("jdbc:postgresql://replica2:5432/desk");
        assertThat(host.url().properties()).containsEntry("ApplicationName", "trading-desk-read-2");
        assertThat(host.applicationName()).isEqualTo("trading-desk-read-2");
        assertThat(host.maxPoolSize()).isEqualTo(6);
        assertThat(host.maxWaiting()).isEqualTo(24);
        assertThat(host.commandTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(host.pgbouncer()).isTrue();
        assertThat(host.readPool()).isNull();
    }

    static Stream<Arguments> badReadValues() {
        return Stream.of(
                Arguments.of("DATABASE_READ_URL", "mysql://r/desk",
                        "DATABASE_READ_URL: unsupported scheme in 'mysql://r/desk' (expected postgresql://, postgres:// or jdbc:postgresql://)"),
                Arguments.of("DB_READ_MAX_POOL_SIZE", "0", "DB_READ_MAX_POOL_SIZE: 0 is out of range (accepted: 1..10000)"),
                Arguments.of("DB_READ_MIN_POOL_SIZE", "-1", "DB_READ_MIN_POOL_SIZE: -1 is out of range (accepted: 0..10000)"),
                Arguments.of("DB_READ_MIN_POOL_SIZE", "51",
                        "DB_READ_MIN_POOL_SIZE: 51 is greater than DB_READ_MAX_POOL_SIZE 50 (accepted: 0..DB_READ_MAX_POOL_SIZE)"),
                Arguments.of("DB_READ_MAX_WAITING", "x", "DB_READ_MAX_WAITING: 'x' is not a whole number (accepted: 0..1000000)"),
                Arguments.of("DB_READ_MAX_LAG", "0.05", "DB_READ_MAX_LAG: 0.05 s is out of range (accepted: 0.1..86400 seconds)"),
                Arguments.of("DB_READ_MAX_LAG", "soon", "DB_READ_MAX_LAG: 'soon' is not a number of seconds (accepted: 0.1..86400)"),
                Arguments.of("DB_POOL_MODE", "direct",
                        "DATABASE_READ_URL: read routing needs DB_POOL_MODE=pooled (direct mode is the benchmark's unpooled baseline)"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badReadValues")
    void aBadReadValueIsRefusedWithOneLineNamingTheVariable(String variable, String value, String message) {
        assertThatThrownBy(() -> from("DATABASE_READ_URL", "postgresql://replica:5434/desk", variable, value))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message)
                .hasMessageNotContaining(PASSWORD);
    }

    @Test
    void theDurationOfDecimalSecondsIsExactToTheMillisecond() {
        Function<String, Duration> commandTimeout = s -> from("DB_COMMAND_TIMEOUT", s).commandTimeout();

        assertThat(commandTimeout.apply("0.001")).isEqualTo(Duration.ofMillis(1));
        assertThat(commandTimeout.apply("1.25")).isEqualTo(Duration.ofMillis(1_250));
        assertThat(commandTimeout.apply("86400")).isEqualTo(Duration.ofDays(1));
    }
}
