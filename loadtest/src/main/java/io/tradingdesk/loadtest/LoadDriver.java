package io.tradingdesk.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * A closed-loop HTTP load driver: {@code concurrency} workers, one virtual thread each, every worker sends a request,
 * waits for the whole response, records it and sends the next one at once (no think time), until the run's duration
 * is over or its request budget is spent. All workers share one {@link HttpClient} speaking HTTP/1.1, so each worker
 * ends up on its own keep-alive connection, like one client of a real fleet.
 *
 * <p>Every request's latency is recorded in nanoseconds (from just before {@code send} to the last byte of the body)
 * in a per-worker {@code long} array that is merged only after the run, so recording costs no synchronisation.
 * A request counts as failed when its status is not 2xx or it threw (connect error, timeout, reset); failures are
 * counted by status ({@code "503"}) or by exception ({@code "HttpTimeoutException"}).
 *
 * <p>Used by the benchmark when neither k6 nor wrk is installed, and by the HTTP-level load test.
 *
 * <p>Thread-safety: a driver is thread-safe; {@link #run} calls may overlap (they then share the client's connection
 * pool). {@link RequestFactory#next} is called concurrently by all workers and must be thread-safe; it gets a random
 * generator that belongs to the calling worker. Targets are expected on loopback: nothing here limits the rate.
 */
public final class LoadDriver implements AutoCloseable {

    /** Per-request timeout unless the constructor is given another. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Most workers one run may start; far above what a 2-core machine can drive usefully. */
    public static final int MAX_CONCURRENCY = 10_000;

    private static final int INITIAL_SAMPLES = 4_096;

    /** One request: method ({@code GET}, {@code POST}, ...), a path with query starting with "/", a JSON body or null. */
    public record Request(String method, String path, String body) {
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with '/': " + path);
            }
        }

        public static Request get(String path) {
            return new Request("GET", path, null);
        }

        public static Request post(String path, String jsonBody) {
            return new Request("POST", path, Objects.requireNonNull(jsonBody, "jsonBody"));
        }
    }

    /** Makes the next request of a workload; called by every worker for every request, so it must be cheap. */
    @FunctionalInterface
    public interface RequestFactory {
        Request next(RandomGenerator random);
    }

    private final URI baseUri;
    private final Duration requestTimeout;
    private final HttpClient client;

    /** A driver for the server at {@code baseUri} (e.g. {@code http://127.0.0.1:8080}) with the default timeout. */
    public LoadDriver(URI baseUri) {
        this(baseUri, DEFAULT_REQUEST_TIMEOUT);
    }

    public LoadDriver(URI baseUri, Duration requestTimeout) {
        Objects.requireNonNull(baseUri, "baseUri");
        String s = baseUri.toString();
        this.baseUri = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Runs {@code concurrency} workers back-to-back for {@code duration}; requests in flight at the end complete. */
    public LoadResult run(RequestFactory factory, int concurrency, Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive: " + duration);
        }
        return run(factory, concurrency, duration.toNanos(), Long.MAX_VALUE);
    }

    /** Runs {@code concurrency} workers until {@code requests} requests were sent in total (bounded by 10 minutes). */
    public LoadResult run(RequestFactory factory, int concurrency, long requests) {
        if (requests <= 0) {
            throw new IllegalArgumentException("requests must be positive: " + requests);
        }
        return run(factory, concurrency, Duration.ofMinutes(10).toNanos(), requests);
    }

    private LoadResult run(RequestFactory factory, int concurrency, long durationNanos, long budget) {
        Objects.requireNonNull(factory, "factory");
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw new IllegalArgumentException("concurrency must be 1.." + MAX_CONCURRENCY + ": " + concurrency);
        }
        var remaining = new AtomicLong(budget);
        var workers = new ArrayList<Worker>(concurrency);
        var threads = new ArrayList<Thread>(concurrency);
        long start = System.nanoTime();
        long deadline = start + durationNanos;
        for (int i = 0; i < concurrency; i++) {
            var worker = new Worker(factory, deadline, remaining);
            workers.add(worker);
            threads.add(Thread.ofVirtual().name("load-" + i).start(worker));
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            threads.forEach(Thread::interrupt);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("load run interrupted", e);
        }
        long end = workers.stream().mapToLong(w -> w.lastEnd).max().orElse(start);
        return merge(concurrency, workers, Math.max(end, start) - start);
    }

    private static LoadResult merge(int concurrency, List<Worker> workers, long elapsedNanos) {
        int n = workers.stream().mapToInt(w -> w.count).sum();
        long[] all = new long[n];
        int at = 0;
        Map<String, Long> failures = new HashMap<>();
        for (Worker w : workers) {
            System.arraycopy(w.latencies, 0, all, at, w.count);
            at += w.count;
            w.failures.forEach((k, v) -> failures.merge(k, v, Long::sum));
        }
        return LoadResult.of(concurrency, all, failures, Duration.ofNanos(elapsedNanos));
    }

    private HttpRequest toHttp(Request r) {
        var b = HttpRequest.newBuilder(URI.create(baseUri + r.path()))
                .timeout(requestTimeout)
                .header("Accept", "application/json");
        if (r.body() == null) {
            b.method(r.method(), HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json")
                    .method(r.method(), HttpRequest.BodyPublishers.ofString(r.body()));
        }
        return b.build();
    }

    @Override
    public void close() {
        client.close();
    }

    /** One closed-loop client; its fields are written by its own thread only and read after join(). */
    private final class Worker implements Runnable {
        private final RequestFactory factory;
        private final long deadline;
        private final AtomicLong remaining;
        private long[] latencies = new long[INITIAL_SAMPLES];
        private int count;
        private long lastEnd;
        private final Map<String, Long> failures = new HashMap<>();

        Worker(RequestFactory factory, long deadline, AtomicLong remaining) {
            this.factory = factory;
            this.deadline = deadline;
            this.remaining = remaining;
        }

        @Override
        public void run() {
            RandomGenerator random = ThreadLocalRandom.current();
            while (System.nanoTime() < deadline && remaining.getAndDecrement() > 0) {
                HttpRequest request = toHttp(factory.next(random));
                long t0 = System.nanoTime();
                String failure = null;
                try {
                    int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status < 200 || status > 299) {
                        failure = Integer.toString(status);
                    }
                } catch (IOException e) {
                    failure = e.getClass().getSimpleName();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long t1 = System.nanoTime();
                record(t1 - t0, failure);
                lastEnd = t1;
            }
        }

        private void record(long nanos, String failure) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
            if (failure != null) {
                failures.merge(failure, 1L, Long::sum);
            }
        }
    }
}
