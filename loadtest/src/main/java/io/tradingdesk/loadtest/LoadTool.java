package io.tradingdesk.loadtest;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Drives one workload at a fixed concurrency for a fixed time against a running server: k6, wrk or the in-process
 * {@link LoadDriver}. Implementations are used from one thread at a time.
 */
interface LoadTool extends AutoCloseable {

    /** Name and version, for the report ("wrk 4.1.0", "LoadDriver (java.net.http, JDK 25)"). */
    String name();

    LoadResult run(URI baseUri, Workload workload, Dataset data, int concurrency, Duration duration);

    /**
     * The same GET ({@code path} with its query) from every client, e.g. {@code /health/live}. By default with the
     * Java {@link LoadDriver} (k6 has no script for an arbitrary path); wrk overrides it with get.lua.
     */
    default LoadResult runPath(URI baseUri, String path, int concurrency, Duration duration) {
        try (var driver = new LoadDriver(baseUri)) {
            LoadDriver.Request request = LoadDriver.Request.get(path);
            return driver.run(random -> request, concurrency, duration);
        }
    }

    @Override
    default void close() {
    }

    /**
     * The lightest driver that is installed, unless {@code forced} names one: k6 if on PATH (it is what the project's
     * scripts are written for), else wrk, else the Java LoadDriver. {@code loadtestDir} is the repository's
     * {@code loadtest/} folder, with the k6 scripts in {@code k6/} and the wrk scripts in {@code wrk/}.
     */
    static LoadTool select(Optional<String> forced, Path loadtestDir, Path workDir) {
        Optional<Path> k6 = onPath("k6");
        Optional<Path> wrk = onPath("wrk");
        String choice = forced.orElse(k6.isPresent() ? "k6" : wrk.isPresent() ? "wrk" : "java");
        return switch (choice) {
            case "k6" -> new K6Tool(k6.orElseThrow(() -> new IllegalStateException("--driver k6: k6 is not on PATH")),
                    loadtestDir.resolve("k6"), workDir);
            case "wrk" -> new WrkTool(wrk.orElseThrow(() -> new IllegalStateException(
                    "--driver wrk: wrk is not on PATH (apt-get install wrk)")), loadtestDir.resolve("wrk"));
            case "java" -> new JavaTool();
            default -> throw new IllegalArgumentException("unknown driver '" + choice + "' (k6, wrk or java)");
        };
    }

    static Optional<Path> onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The in-process driver; one {@link LoadDriver} (one HttpClient) per server, so its connections stay warm. */
    final class JavaTool implements LoadTool {
        private URI current;
        private LoadDriver driver;

        @Override
        public String name() {
            return "LoadDriver (java.net.http, JDK " + Runtime.version().feature() + ", virtual threads)";
        }

        @Override
        public LoadResult run(URI baseUri, Workload workload, Dataset data, int concurrency, Duration duration) {
            return driver(baseUri).run(workload.factory(data), concurrency, duration);
        }

        LoadDriver driver(URI baseUri) {
            if (!baseUri.equals(current)) {
                close();
                driver = new LoadDriver(baseUri);
                current = baseUri;
            }
            return driver;
        }

        @Override
        public void close() {
            if (driver != null) {
                driver.close();
                driver = null;
                current = null;
            }
        }
    }
}
