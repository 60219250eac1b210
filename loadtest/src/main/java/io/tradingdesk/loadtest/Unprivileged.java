package io.tradingdesk.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the topology's HAProxy as an unprivileged user when this process is root, as {@code EmbeddedPostgres} and
 * {@code EmbeddedPgBouncer} do for theirs: {@code setpriv} to the {@code postgres} account (else {@code nobody}).
 * Stateless and thread-safe.
 */
final class Unprivileged {
    private static final String SETPRIV = "/usr/bin/setpriv";

    private Unprivileged() {
    }

    static boolean isRoot() {
        return "0".equals(id("-u", null));
    }

    /** {@code command} as the unprivileged account when root, else unchanged. */
    static List<String> wrap(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        if (!Files.isExecutable(Path.of(SETPRIV))) {
            throw new IllegalStateException("running as root and " + SETPRIV + " (util-linux) is missing: cannot drop"
                    + " privileges for " + command.get(0));
        }
        String user = account();
        var all = new ArrayList<>(List.of(SETPRIV, "--reuid=" + id("-u", user), "--regid=" + id("-g", user),
                "--clear-groups", "--"));
        all.addAll(command);
        return all;
    }

    /** Gives {@code path} to the unprivileged account when root, so that it can read (or write) it. */
    static void handOver(Path path) {
        if (!isRoot()) {
            return;
        }
        String user = account();
        try {
            Files.setAttribute(path, "unix:uid", Integer.parseInt(id("-u", user)), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(path, "unix:gid", Integer.parseInt(id("-g", user)), LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + path + " to " + user + ": " + e.getMessage(), e);
        }
    }

    private static String account() {
        return id("-u", "postgres") != null ? "postgres" : "nobody";
    }

    /** {@code id <flag> [user]}, or null when it fails. */
    private static String id(String flag, String user) {
        try {
            Process p = new ProcessBuilder(user == null ? List.of("id", flag) : List.of("id", flag, user))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
