package io.tradingdesk.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium, one process per call with a fresh profile. Every host name but the server's
 * 127.0.0.1 is unresolvable and background networking is off, so a page that needs anything from the internet (a
 * CDN, a font, an online validator) shows it. Pages get a budget of virtual time to run their scripts before the DOM
 * or the screenshot is taken. Thread-safe (nothing is shared between calls).
 */
final class Chromium {
    private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(60);
    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");

    private final Path executable;

    private Chromium(Path executable) {
        this.executable = executable;
    }

    /** {@code CHROMIUM} when set, else the first of chromium, chromium-browser, google-chrome on the PATH. */
    static Optional<Chromium> find() {
        String configured = System.getenv("CHROMIUM");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(new Chromium(Path.of(configured)));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            for (String name : NAMES) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(new Chromium(candidate));
                }
            }
        }
        return Optional.empty();
    }

    /** The DOM of {@code page} once its scripts ran, serialised as HTML. */
    String renderedDom(URI page) {
        return run(List.of("--dump-dom", page.toString()));
    }

    /** A PNG of the top {@code height} pixels of {@code page} at {@code width}. */
    void screenshot(URI page, Path png, int width, int height) {
        run(List.of("--hide-scrollbars", "--window-size=" + width + "," + height,
                "--screenshot=" + png.toAbsolutePath(), page.toString()));
        if (!Files.isRegularFile(png)) {
            throw new AssertionError("chromium wrote no screenshot to " + png);
        }
    }

    private String run(List<String> arguments) {
        Path profile = null;
        try {
            profile = Files.createTempDirectory("chromium-profile-");
            var command = new ArrayList<>(List.of(executable.toString(), "--headless", "--no-sandbox",
                    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--virtual-time-budget=15000"));
            command.addAll(arguments);
            Path out = profile.resolve("stdout");
            Path err = profile.resolve("stderr");
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .start();
            if (!process.waitFor(PROCESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("chromium did not finish within " + PROCESS_TIMEOUT + ": " + command);
            }
            if (process.exitValue() != 0) {
                throw new AssertionError("chromium exited with " + process.exitValue() + ": " + command + "\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while chromium ran", e);
        } finally {
            deleteQuietly(profile);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary profile left behind is harmless
        }
    }

    @Override
    public String toString() {
        return executable.toString();
    }
}
