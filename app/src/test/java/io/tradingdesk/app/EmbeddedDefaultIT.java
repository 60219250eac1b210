package io.tradingdesk.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Without DATABASE_URL the server runs its own PostgreSQL in DATA_DIR/postgres, and keeps the data across restarts. */
class EmbeddedDefaultIT {
    private static final Duration STOP_WITHIN = Duration.ofSeconds(40);
    private static final String TOKEN = "embedded-token-0123456789";
    private static final String INSTRUMENT = """
            {"name": "Embedded default check", "assetClass": "equity", "currency": "USD"}""";

    private Path base;

    @BeforeEach
    void createBase() throws IOException {
        // Under /tmp and open to all: as root, PostgreSQL runs as an unprivileged user that must reach DATA_DIR.
        base = Files.createTempDirectory(Path.of("/tmp"), "app-embedded-it-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void deleteBase() throws IOException {
        deleteRecursively(base);
    }

    @Test
    void withoutDatabaseUrlTheDataSurvivesARestartAndASecondServerCannotShareIt() throws Exception {
        Path dataDir = base.resolve("data");
        var env = Map.of("DATA_DIR", dataDir.toString(), "API_TOKEN", TOKEN);

        try (var first = AppProcess.start(base.resolve("run1"), env)) {
            first.awaitReady();
            var put = first.put("/api/instruments/EMBEDIT", INSTRUMENT, TOKEN);
            assertThat(put.statusCode()).as(put.body()).isBetween(200, 201);

            try (var intruder = AppProcess.start(base.resolve("intruder"), env)) {
                assertThat(intruder.awaitExit(STOP_WITHIN)).as(intruder.output()).isEqualTo(1);
                assertThat(intruder.log()).contains("is in use by another server process");
            }
            assertThat(first.get("/health/ready").statusCode()).as("the first server is unharmed").isEqualTo(200);

            assertThat(first.terminate(STOP_WITHIN)).as(first.output()).isZero();
            assertThat(first.log()).contains("stopped (SIGTERM)");
        }
        assertThat(dataDir.resolve("postgres").resolve("PG_VERSION")).isRegularFile();

        try (var second = AppProcess.start(base.resolve("run2"), env)) {
            second.awaitReady();
            var get = second.get("/api/instruments/EMBEDIT", TOKEN);
            assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
            assertThat(get.body()).contains("EMBEDIT");
            assertThat(second.log()).containsPattern("migrations: 0 applied");
            assertThat(second.terminate(STOP_WITHIN)).as(second.output()).isZero();
        }
        assertThat(dataDir.resolve("postgres").resolve("postmaster.pid")).doesNotExist();
    }

    @Test
    void aPrivateDataDirIsUsedAsIsExceptAsRootWhereAReachableOneReplacesItAndTheLogSaysWhere() throws Exception {
        Path privateDir = base.resolve("private");
        Files.createDirectory(privateDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path dataDir = privateDir.resolve("data");
        // Only root hands PostgreSQL to another user, who cannot enter a 0700 directory of root's; any other user
        // runs PostgreSQL itself and keeps the cluster where DATA_DIR says.
        boolean root = "root".equals(System.getProperty("user.name"));

        Path cluster = null;
        try (var app = AppProcess.start(base.resolve("run"), Map.of("DATA_DIR", dataDir.toString()))) {
            app.awaitReady();
            var matcher = Pattern.compile("the embedded cluster lives in (\\S+) instead").matcher(app.log());
            assertThat(matcher.find()).as(app.log()).isEqualTo(root);
            cluster = root ? Path.of(matcher.group(1)) : dataDir.resolve("postgres");
            assertThat(app.terminate(STOP_WITHIN)).as(app.output()).isZero();
            assertThat(cluster.resolve("PG_VERSION")).isRegularFile();
            if (root) {
                assertThat(cluster.getParent().resolve("DATA_DIR")).content().isEqualToIgnoringNewLines(dataDir.toString());
            }
        } finally {
            if (root && cluster != null) {
                deleteRecursively(cluster.getParent());
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        // A server killed by a failed test leaves its postmaster running: stop it before its directory goes.
        try (Stream<Path> pids = Files.find(dir, 4, (p, a) -> p.endsWith("postmaster.pid"))) {
            for (Path pid : pids.toList()) {
                long postmaster = Long.parseLong(Files.readAllLines(pid).getFirst().strip());
                ProcessHandle.of(postmaster).ifPresent(ProcessHandle::destroy);
            }
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
