package io.tradingdesk.app;

import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database when {@code DATABASE_URL} is unset: a PostgreSQL cluster of this process's own in
 * {@code DATA_DIR/postgres} (kept across restarts), with the database {@value #DATABASE}, reachable only from
 * 127.0.0.1 with trust authentication. One process at a time may use a DATA_DIR. Thread-safe.
 *
 * <p>As root, PostgreSQL runs as an unprivileged user that must be able to enter every directory above its data
 * directory. When {@code DATA_DIR} lies in a private place (the default {@code ./.data} under {@code /root}, say),
 * the cluster goes to {@code /var/tmp/trading-desk-data/<hash of DATA_DIR>/postgres} instead, the same directory on
 * every start, and a warning says so; private directories are never loosened.
 */
final class EmbeddedDefault implements AutoCloseable {
    static final String DATABASE = "trading_desk";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDefault.class);
    private static final String CLUSTER = "postgres";
    private static final String FALLBACK = "trading-desk-data";
    private static final String LOCK_FILE = "server.lock";
    private static final Set<PosixFilePermission> RWXR_XR_X = PosixFilePermissions.fromString("rwxr-xr-x");

    private final EmbeddedPostgres server;
    private final FileChannel lock;

    private EmbeddedDefault(EmbeddedPostgres server, FileChannel lock) {
        this.server = server;
        this.lock = lock;
    }

    /**
     * Starts (initialising on first use) the cluster for {@code dataDirectory} and creates {@value #DATABASE}.
     *
     * @throws IllegalStateException if another process uses the same cluster, or PostgreSQL does not start
     */
    static EmbeddedDefault start(Path dataDirectory) {
        Path cluster = clusterDirectory(dataDirectory);
        FileChannel lock = lock(cluster.resolveSibling(LOCK_FILE), dataDirectory);
        try {
            var server = EmbeddedPostgres.builder().dataDirectory(cluster).start();
            try {
                server.createDatabase(DATABASE);
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return new EmbeddedDefault(server, lock);
        } catch (RuntimeException e) {
            closeQuietly(lock);
            throw e;
        }
    }

    /** {@code DATABASE_URL} of the embedded database: the superuser, no password (trust, 127.0.0.1 only). */
    DatabaseUrl url() {
        return DatabaseUrl.parse(server.jdbcUrl(DATABASE) + "?user=" + server.superuser());
    }

    /** Stops PostgreSQL (fast shutdown; the data stays), then lets another process have the directory. */
    @Override
    public void close() {
        try {
            server.close();
        } finally {
            closeQuietly(lock);
        }
    }

    /**
     * Holds the cluster for this process. Two servers on one DATA_DIR would otherwise meet in PostgreSQL's own
     * lock file, and the loser's clean-up would stop the winner's PostgreSQL. Released by the OS if we die.
     */
    private static FileChannel lock(Path file, Path dataDirectory) {
        try {
            var channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (channel.tryLock() == null) {
                channel.close();
                throw new IllegalStateException("DATA_DIR " + dataDirectory + " is in use by another server process"
                        + " (lock " + file + "): stop it, or give this one another DATA_DIR or a DATABASE_URL");
            }
            return channel;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not lock " + file + ": " + e, e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing {} failed: {}", LOCK_FILE, e.toString());
        }
    }

    private static Path clusterDirectory(Path dataDirectory) {
        try {
            Files.createDirectories(dataDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("DATA_DIR " + dataDirectory + " cannot be created: " + e, e);
        }
        Path cluster = dataDirectory.resolve(CLUSTER);
        if (!runningAsRoot() || searchableByOthers(cluster)) {
            return cluster;
        }
        Path fallback = fallbackRoot().resolve(FALLBACK);
        makeSafeDirectory(fallback, dataDirectory);
        Path own = fallback.resolve(hash(dataDirectory));
        makeSafeDirectory(own, dataDirectory);
        try {
            Files.writeString(own.resolve("DATA_DIR"), dataDirectory + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + own.resolve("DATA_DIR") + ": " + e, e);
        }
        log.warn("DATA_DIR {} is not reachable by the unprivileged user that runs PostgreSQL (a parent directory is"
                + " private); the embedded cluster lives in {} instead", dataDirectory, own.resolve(CLUSTER));
        return own.resolve(CLUSTER);
    }

    private static boolean runningAsRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false; // not Linux: no privileges to drop, EmbeddedPostgres decides what it supports
        }
    }

    /**
     * Whether every existing directory above {@code path} can be entered by anyone. Conservative: the server user
     * might also get in as owner or group member, but "others" is the one bit that holds for any choice of user.
     */
    private static boolean searchableByOthers(Path path) {
        try {
            for (Path p = path.getParent(); p != null; p = p.getParent()) {
                if (Files.exists(p) && !Files.getPosixFilePermissions(p.toRealPath())
                        .contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path fallbackRoot() {
        Path varTmp = Path.of("/var/tmp");
        return Files.isDirectory(varTmp) ? varTmp : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** Creates {@code dir} with mode 0755 if missing; refuses one that is a link, not root's, or writable by others. */
    private static void makeSafeDirectory(Path dir, Path dataDirectory) {
        try {
            try {
                Files.createDirectory(dir);
                Files.setPosixFilePermissions(dir, RWXR_XR_X); // whatever the umask: PostgreSQL's user must enter
            } catch (FileAlreadyExistsException checkedBelow) {
                // verified below
            }
            int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            var permissions = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || owner != 0
                    || permissions.contains(PosixFilePermission.GROUP_WRITE)
                    || permissions.contains(PosixFilePermission.OTHERS_WRITE)
                    || !permissions.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IllegalStateException(unreachable(dataDirectory) + "; the fallback " + dir + " must be a"
                        + " directory owned by root with mode 0755: fix or remove it");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(unreachable(dataDirectory) + "; the fallback " + dir + " cannot be"
                    + " created: " + e, e);
        }
    }

    private static String unreachable(Path dataDirectory) {
        return "DATA_DIR " + dataDirectory + " is not reachable by the unprivileged user that runs PostgreSQL as"
                + " root (set DATA_DIR to a directory every user can enter, e.g. DATA_DIR=/var/lib/trading-desk)";
    }

    private static String hash(Path dataDirectory) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(dataDirectory.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
