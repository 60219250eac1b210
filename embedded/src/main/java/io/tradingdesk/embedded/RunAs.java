package io.tradingdesk.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unprivileged account that runs initdb and pg_ctl when this process is root (PostgreSQL refuses to run as
 * root): commands are prefixed with {@code setpriv} (or {@code runuser} when setpriv is missing), and the files they
 * need are given to that account. Only ever created for a root process; immutable and thread-safe.
 *
 * @param user   the account's name
 * @param uid    its user id (never 0)
 * @param gid    its primary group id
 * @param prefix the command that switches to it, put in front of every PostgreSQL command
 */
record RunAs(String user, int uid, int gid, List<String> prefix) {

    private static final Logger log = LoggerFactory.getLogger(RunAs.class);
    private static final Duration ID_TIMEOUT = Duration.ofSeconds(10);

    RunAs {
        prefix = List.copyOf(prefix);
    }

    /** Whether this process runs as root, so that PostgreSQL must run as a {@link RunAs} user. */
    static boolean isRoot() {
        return currentUid() == 0;
    }

    /** This process's user id; also names the root-owned binaries cache. */
    static int currentUid() {
        try {
            return (int) new com.sun.security.auth.module.UnixSystem().getUid();
        } catch (RuntimeException | LinkageError e) {
            Exec.Result r = Exec.run(List.of("id", "-u"), ID_TIMEOUT);
            try {
                return Integer.parseInt(r.output().strip());
            } catch (NumberFormatException notANumber) {
                throw new IllegalStateException("Cannot determine the current user id: " + r.output().strip(), e);
            }
        }
    }

    /**
     * The account to drop to: {@code requestedUser}, else {@code postgres} if that account exists, else
     * {@code nobody}.
     *
     * @throws IllegalStateException if neither setpriv nor runuser is installed, or the account does not exist or is
     *                               root
     */
    static RunAs resolve(String requestedUser) {
        Optional<Path> setpriv = findTool("setpriv");
        Optional<Path> runuser = findTool("runuser");
        if (setpriv.isEmpty() && runuser.isEmpty()) {
            throw new IllegalStateException("Cannot start the embedded PostgreSQL as root: PostgreSQL refuses to"
                    + " run as root and neither setpriv nor runuser (util-linux) is installed to drop privileges;"
                    + " set DATABASE_URL to an existing PostgreSQL, or run as a non-root user");
        }
        String user = requestedUser != null ? requestedUser
                : id("-u", "postgres").isPresent() ? "postgres" : "nobody";
        int uid = id("-u", user).orElseThrow(() -> new IllegalStateException("Cannot start the embedded"
                + " PostgreSQL as root: user '" + user + "' does not exist; choose an existing unprivileged"
                + " user with EmbeddedPostgres.Builder.serverUser(...), or set DATABASE_URL"));
        int gid = id("-g", user).orElseThrow();
        if (uid == 0) {
            throw new IllegalStateException("Cannot run the embedded PostgreSQL as '" + user
                    + "' (uid 0): choose an unprivileged server user");
        }
        List<String> prefix = setpriv.isPresent()
                ? List.of(setpriv.get().toString(), "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--")
                : List.of(runuser.get().toString(), "-u", user, "--");
        log.debug("Running as root: PostgreSQL will run as {} (uid {}, gid {}) via {}", user, uid, gid, prefix.get(0));
        return new RunAs(user, uid, gid, prefix);
    }

    /** {@code command} as this user would run it. */
    List<String> wrap(List<String> command) {
        List<String> all = new ArrayList<>(prefix);
        all.addAll(command);
        return all;
    }

    /** Gives {@code path} itself (a link is not followed) to this user and its group. */
    void chown(Path path) throws IOException {
        Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /** Gives {@code dir} and everything below it to this user, touching only what someone else owns. */
    void chownRecursively(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if ((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) != uid
                        || (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS) != gid) {
                    chown(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not give " + dir + " to user " + user + ": " + e.getMessage(), e);
        }
    }

    /** Whether every existing directory above {@code path} (the path itself excluded) is searchable by this user. */
    boolean canReach(Path path) {
        try {
            for (Path p = path.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
                if (!Files.exists(p)) {
                    continue; // will be created by root with mode 0755
                }
                Path real = p.toRealPath();
                int owner = (Integer) Files.getAttribute(real, "unix:uid");
                int group = (Integer) Files.getAttribute(real, "unix:gid");
                int bit = owner == uid ? 0100 : group == gid ? 0010 : 0001;
                if ((PosixFiles.mode(real) & bit) == 0) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Fails unless {@link #canReach(Path) this user can reach} {@code path}; {@code what} names it in the message.
     * Private directories are never loosened: the caller must choose another place.
     */
    void requireReachable(Path path, String what) {
        if (!canReach(path)) {
            throw new IllegalStateException(what + " " + path + " is not reachable by user '" + user
                    + "' that runs PostgreSQL (a parent directory is not searchable by it); choose a directory"
                    + " outside private home directories such as /root, e.g. under /var/tmp or /srv");
        }
    }

    private static Optional<Integer> id(String flag, String user) {
        Exec.Result r = Exec.run(List.of("id", flag, user), ID_TIMEOUT);
        if (r.exitCode() != 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(r.output().strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** {@code name} on the PATH, else in the system directories (root's PATH may lack the sbin ones). */
    private static Optional<Path> findTool(String name) {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin"));
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
                .filter(Files::isExecutable).findFirst();
    }
}
