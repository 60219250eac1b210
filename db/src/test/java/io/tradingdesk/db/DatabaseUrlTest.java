package io.tradingdesk.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DatabaseUrlTest {

    @Test
    void aLibpqUrlGivesADecodedUserAndPasswordAndMapsItsParameters() {
        var url = DatabaseUrl.parse("postgresql://user:p%40ss@host:5433/db?sslmode=require&application_name=x");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://host:5433/db");
        assertThat(url.user()).isEqualTo("user");
        assertThat(url.password()).isEqualTo("p@ss");
        assertThat(url.database()).isEqualTo("db");
        assertThat(url.socketDirectory()).isNull();
        assertThat(url.properties()).containsOnly(
                org.assertj.core.api.Assertions.entry("sslmode", "require"),
                org.assertj.core.api.Assertions.entry("ApplicationName", "x"));
    }

    @Test
    void thePostgresSchemeIsTheSameAsPostgresql() {
        var url = DatabaseUrl.parse("postgres://desk:pw@db.internal/research");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:5432/research");
        assertThat(url.user()).isEqualTo("desk");
        assertThat(url.password()).isEqualTo("pw");
    }

    @Test
    void aUrlWithoutUserLeavesUserAndPasswordToTheDriver() {
        var url = DatabaseUrl.parse("postgresql://127.0.0.1:5432/desk");

        assertThat(url.user()).isNull();
        assertThat(url.password()).isNull();
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/desk");
        assertThat(url.describe()).isEqualTo("127.0.0.1:5432/desk");
    }

    @Test
    void aUserWithoutPasswordIsKeptAndTheDatabaseDefaultsToTheUserName() {
        var url = DatabaseUrl.parse("postgresql://desk@localhost");

        assertThat(url.user()).isEqualTo("desk");
        assertThat(url.password()).isNull();
        assertThat(url.database()).isEqualTo("desk");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/desk");
    }

    @Test
    void anIpv6HostKeepsItsBrackets() {
        var url = DatabaseUrl.parse("postgresql://desk:pw@[::1]:5433/desk");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5433/desk");
        assertThat(url.describe()).isEqualTo("desk@[::1]:5433/desk");
    }

    @Test
    void severalHostsBecomeAPgjdbcHostListEachWithItsPort() {
        var url = DatabaseUrl.parse("postgresql://desk@primary:5433,replica,[2001:db8::7]:5434/desk"
                + "?target_session_attrs=read-write");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://primary:5433,replica:5432,[2001:db8::7]:5434/desk");
        assertThat(url.properties()).containsEntry("targetServerType", "primary");
    }

    @Test
    void anEncodedSocketDirectoryAsHostConnectsThroughTheUnixSocket() {
        var url = DatabaseUrl.parse("postgresql://%2Fvar%2Frun%2Fpostgresql/db");

        assertThat(url.socketDirectory()).isEqualTo("/var/run/postgresql");
        assertThat(url.database()).isEqualTo("db");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/db");
        assertThat(url.properties())
                .containsEntry("socketFactoryArg", "/var/run/postgresql/.s.PGSQL.5432")
                .containsEntry("sslmode", "disable")
                .containsKey("socketFactory");
        assertThat(url.describe()).isEqualTo("/var/run/postgresql/db");
    }

    @Test
    void aHostParameterNamingADirectoryConnectsThroughTheUnixSocket() {
        var url = DatabaseUrl.parse("postgresql:///db?host=/var/run/postgresql&port=5433&user=desk");

        assertThat(url.socketDirectory()).isEqualTo("/var/run/postgresql");
        assertThat(url.user()).isEqualTo("desk");
        assertThat(url.properties()).containsEntry("socketFactoryArg", "/var/run/postgresql/.s.PGSQL.5433");
    }

    @Test
    void aSocketDirectoryCannotBeMixedWithOtherHosts() {
        assertThatThrownBy(() -> DatabaseUrl.parse("postgresql://%2Ftmp,otherhost/db"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("DATABASE_URL: a unix socket directory cannot be combined with other hosts");
    }

    @Test
    void aJdbcUrlTakesUserAndPasswordOutOfItsParameters() {
        var url = DatabaseUrl.parse("jdbc:postgresql://db.example:5433/desk?user=desk&password=s%3Dcret&sslmode=verify-full");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:5433/desk");
        assertThat(url.user()).isEqualTo("desk");
        assertThat(url.password()).isEqualTo("s=cret");
        assertThat(url.database()).isEqualTo("desk");
        assertThat(url.properties()).containsEntry("sslmode", "verify-full").doesNotContainKeys("user", "password");
    }

    @Test
    void aJdbcUrlWithSeveralHostsKeepsThemAll() {
        var url = DatabaseUrl.parse("jdbc:postgresql://a:5433,b/desk");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://a:5433,b:5432/desk");
    }

    @Test
    void eachHostOfAListCanBeReachedAloneWithoutTheMultiHostProperties() {
        var url = DatabaseUrl.parse("postgresql://desk:pw@primary:5433,replica,[2001:db8::7]:5434/desk"
                + "?target_session_attrs=read-write&sslmode=require");

        assertThat(url.hosts()).containsExactly("primary:5433", "replica:5432", "[2001:db8::7]:5434");
        DatabaseUrl one = url.withHost("[2001:db8::7]:5434");
        assertThat(one.jdbcUrl()).isEqualTo("jdbc:postgresql://[2001:db8::7]:5434/desk");
        assertThat(one.hosts()).containsExactly("[2001:db8::7]:5434");
        assertThat(one.properties()).containsEntry("sslmode", "require").doesNotContainKey("targetServerType");
        assertThat(one.password()).isEqualTo("pw");
        assertThatThrownBy(() -> url.withHost("elsewhere:5432")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aUrlFromAnotherVariableIsRefusedNamingThatVariable() {
        assertThatThrownBy(() -> DatabaseUrl.parse("mysql://desk:pw@replica/desk", "DATABASE_READ_URL"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("DATABASE_READ_URL: unsupported scheme in 'mysql://desk:***@replica/desk'"
                        + " (expected postgresql://, postgres:// or jdbc:postgresql://)");
    }

    @Test
    void withDatabaseAndWithApplicationNameChangeOnlyThatPart() {
        var url = DatabaseUrl.parse("postgresql://desk:pw@host:5433/one?sslmode=require");

        var other = url.withDatabase("two").withApplicationName("tool");

        assertThat(other.jdbcUrl()).isEqualTo("jdbc:postgresql://host:5433/two");
        assertThat(other.database()).isEqualTo("two");
        assertThat(other.password()).isEqualTo("pw");
        assertThat(other.properties()).containsEntry("sslmode", "require").containsEntry("ApplicationName", "tool");
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', value = {
        "''                                                  | DATABASE_URL: not set (expected postgresql://user:password@host:port/dbname or jdbc:postgresql://host:port/dbname)",
        "mysql://u:hunter2@h/db                              | DATABASE_URL: unsupported scheme in 'mysql://u:***@h/db' (expected postgresql://, postgres:// or jdbc:postgresql://)",
        "postgresql://u:hunter2@h:port/db                    | DATABASE_URL: port 'port' is not a number in 1..65535 in 'postgresql://u:***@h:port/db'",
        "postgresql://u:hunter2@h:70000/db                   | DATABASE_URL: port '70000' is not a number in 1..65535 in 'postgresql://u:***@h:70000/db'",
        "postgresql://u:hunter2@h/db?sslmode=sometimes       | DATABASE_URL: sslmode 'sometimes' is not one of disable, allow, prefer, require, verify-ca, verify-full in 'postgresql://u:***@h/db?sslmode=sometimes'",
        "postgresql://u:hunter2@h/db?colour=blue             | DATABASE_URL: unknown parameter 'colour' (accepted: host, port, dbname, user, password, application_name, channel_binding, connect_timeout, gssencmode, options, sslcert, sslkey, sslmode, sslpassword, sslrootcert, target_session_attrs)",
        "postgresql://u:hunter2@h/db?sslmode                 | DATABASE_URL: malformed parameter 'sslmode' in 'postgresql://u:***@h/db?sslmode' (expected name=value)",
        "postgresql://u:hunter2@h/db?connect_timeout=-1      | DATABASE_URL: connect_timeout '-1' is not a whole number of seconds >= 0 in 'postgresql://u:***@h/db?connect_timeout=-1'",
        "postgresql://u:hunter2@h/db?target_session_attrs=x  | DATABASE_URL: target_session_attrs 'x' is not one of any, read-write, primary, read-only, standby, prefer-standby",
        "postgresql://u:hunter2@h/d%zzb                      | DATABASE_URL: bad percent-encoding in 'postgresql://u:***@h/d%zzb'",
        "postgresql://u:hunter2@h/db?password=hunter2&port=x | DATABASE_URL: port 'x' is not a number in 1..65535 in 'postgresql://u:***@h/db?password=***&port=x'",
        "jdbc:postgresql://h:port/db?password=hunter2        | DATABASE_URL: malformed JDBC URL 'jdbc:postgresql://h:port/db?password=***' (expected jdbc:postgresql://host:port/dbname?param=value)",
        "jdbc:postgresql://h/db?password=hunter2&sslmode=no  | DATABASE_URL: sslmode 'no' is not one of disable, allow, prefer, require, verify-ca, verify-full in 'jdbc:postgresql://h/db?password=***&sslmode=no'",
    })
    void aMalformedUrlIsRefusedWithOneLineThatNeverShowsThePassword(String raw, String message) {
        assertThatThrownBy(() -> DatabaseUrl.parse(raw))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message)
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("\n");
    }

    @Test
    void maskHidesThePasswordInEitherForm() {
        assertThat(DatabaseUrl.mask("postgresql://desk:p%40ss@host:5433/db?sslmode=require"))
                .isEqualTo("postgresql://desk:***@host:5433/db?sslmode=require");
        assertThat(DatabaseUrl.mask("jdbc:postgresql://host/db?user=desk&password=secret&sslpassword=keypass"))
                .isEqualTo("jdbc:postgresql://host/db?user=desk&password=***&sslpassword=***");
        assertThat(DatabaseUrl.mask("jdbc:postgresql://host/db?PASSWORD=secret")).isEqualTo("jdbc:postgresql://host/db?PASSWORD=***");
        assertThat(DatabaseUrl.mask("postgresql://desk@host/db")).isEqualTo("postgresql://desk@host/db");
        assertThat(DatabaseUrl.mask("postgresql://[::1]:5432/db")).isEqualTo("postgresql://[::1]:5432/db");
        assertThat(DatabaseUrl.mask(null)).isNull();
    }

    @Test
    void maskHidesAllOfAPasswordThatWasNotPercentEncoded() {
        // A raw '@' or ':' in a password is a common mistake; the parser accepts it, so the mask must cover it whole.
        assertThat(DatabaseUrl.mask("postgresql://desk:hunter2@prod:x@host:5432/db"))
                .isEqualTo("postgresql://desk:***@host:5432/db");
        assertThatThrownBy(() -> DatabaseUrl.parse("postgresql://desk:hunter2@prod@host:bad/db"))
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("prod");
    }

    @Test
    void toStringShowsTheTargetButMasksPasswords() {
        var url = DatabaseUrl.parse("postgresql://desk:hunter2@host:5433/db?sslmode=require&sslpassword=keypass");

        assertThat(url.toString())
                .startsWith("DatabaseUrl[desk@host:5433/db, password=***, properties={")
                .contains("sslmode=require", "sslpassword=***")
                .doesNotContain("hunter2")
                .doesNotContain("keypass");
    }
}
