package io.tradingdesk.app.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.DatabaseUnavailableException;
import io.tradingdesk.db.DbConfig;
import io.tradingdesk.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #5, point 8d: the sslmode of DATABASE_URL is honoured. A throwaway cluster gets a server certificate for
 * 127.0.0.1 signed by a CA made here with the openssl command line; then {@code sslmode=require} encrypts,
 * {@code verify-full} with the right root certificate connects, and {@code verify-full} with another CA's root
 * certificate fails with a DatabaseUnavailableException that says why and carries no password.
 */
@Tag("security")
@Timeout(120)
class PostgresTlsIT {
    private static final String PASSWORD = "tls-" + Long.toHexString(System.nanoTime());
    private static final String SSL_QUERY = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

    @TempDir
    static Path certificates;
    private static EmbeddedPostgres pg;

    @BeforeAll
    static void startWithTls() throws Exception {
        Logs.quiet();
        pg = Clusters.start(PASSWORD, Map.of());
        pg.createDatabase("tls");
        makeCertificates(certificates);
        Path data = pg.dataDirectory();
        UserPrincipal serverUser = Files.getOwner(data);
        for (String name : List.of("server.crt", "server.key")) {
            Path target = data.resolve(name);
            Files.copy(certificates.resolve(name), target, StandardCopyOption.REPLACE_EXISTING);
            Files.setOwner(target, serverUser);
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
        }
        try (Connection c = Stack.observer(pg, "tls", PASSWORD); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET ssl = on");
            s.execute("SELECT pg_reload_conf()");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Connection c = Stack.observer(pg, "tls", PASSWORD); Statement s = c.createStatement();
                 var rs = s.executeQuery("SHOW ssl")) {
                rs.next();
                if (rs.getString(1).equals("on")) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("PostgreSQL did not turn ssl on; see " + data.resolve("server.log"));
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void sslmodeRequireEncryptsTheConnection() {
        try (Database db = start("sslmode=require")) {
            assertThat(db.fetchVal(SSL_QUERY, Boolean.class)).contains(true);
        }
    }

    @Test
    void sslmodeDisableDoesNot() {
        try (Database db = start("sslmode=disable")) {
            assertThat(db.fetchVal(SSL_QUERY, Boolean.class)).contains(false);
        }
    }

    @Test
    void verifyFullWithTheRightRootCertificateConnects() {
        try (Database db = start("sslmode=verify-full&sslrootcert=" + certificates.resolve("ca.crt"))) {
            assertThat(db.fetchVal(SSL_QUERY, Boolean.class)).contains(true);
            assertThat(db.probe().up()).isTrue();
        }
    }

    @Test
    void verifyFullWithAnotherCasRootCertificateFailsClearlyWithoutThePassword() {
        long start = System.nanoTime();
        Throwable refused = catchThrowable(() -> start("sslmode=verify-full&sslrootcert="
                + certificates.resolve("other-ca.crt")).close());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(refused).isInstanceOf(DatabaseUnavailableException.class)
                .hasMessageContaining("127.0.0.1:" + pg.port())
                .hasMessageContaining("SSL")
                .hasMessageNotContaining(PASSWORD);
        for (Throwable t = refused; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain(PASSWORD);
        }
        System.out.printf("verify-full with the wrong CA: %s after %d ms%n", refused.getMessage(), millis);
    }

    private static Database start(String sslParameters) {
        return Database.start(DbConfig.from(Map.of(
                "DATABASE_URL", "postgresql://postgres:" + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8)
                        + "@127.0.0.1:" + pg.port() + "/tls?" + sslParameters,
                "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "2", "DB_START_TIMEOUT", "2",
                "DB_APPLICATION_NAME", "tls-check")), new SimpleMeterRegistry());
    }

    /** ca.crt/ca.key, server.crt/server.key for CN and SAN IP 127.0.0.1 signed by that CA, and an unrelated other-ca.crt. */
    private static void makeCertificates(Path dir) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("san.ext"), "subjectAltName = IP:127.0.0.1\n"
                + "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature, keyEncipherment\n"
                + "extendedKeyUsage = serverAuth\n");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=resilience test CA",
                "-keyout", "ca.key", "-out", "ca.crt");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=another CA",
                "-keyout", "other-ca.key", "-out", "other-ca.crt");
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                "-keyout", "server.key", "-out", "server.csr");
        openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", "san.ext", "-out", "server.crt");
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        var command = new ArrayList<String>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("openssl " + args[0] + " did not finish within 30 s");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + output);
        }
    }
}
