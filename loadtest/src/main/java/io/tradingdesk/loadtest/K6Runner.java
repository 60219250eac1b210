package io.tradingdesk.loadtest;

import io.tradingdesk.loadtest.K6Scenario.ConstantArrivalRate;
import io.tradingdesk.loadtest.K6Scenario.ConstantVus;
import io.tradingdesk.loadtest.K6Scenario.RampingVus;
import io.tradingdesk.loadtest.K6Scenario.SharedIterations;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a k6 script's scenarios in Java, as k6 runs them: each scenario starts at its {@code startTime} on its own
 * executor (constant-vus, shared-iterations, constant-arrival-rate, ramping-vus), its VUs run the script's iteration
 * function back to back, in-flight iterations get the graceful stop to finish and are interrupted after it, and every
 * sample carries the scenario's name and phase, so that a threshold on {@code {phase:measure}} sees exactly the
 * requests k6's would. One virtual thread per VU; all VUs share one HTTP/1.1 client (one keep-alive connection per
 * busy VU, as k6's per-VU connections). Nothing here limits the rate beyond the scenario's own shape. Used from one
 * thread; a runner runs one test.
 */
final class K6Runner {

    /** One iteration of a script's exported function. Called by many VUs at once: keeps no state of its own. */
    @FunctionalInterface
    interface Iteration {
        void run(K6Vu vu);
    }

    /**
     * How one scenario went. Immutable.
     *
     * @param started    since the start of the test
     * @param elapsed    first iteration started to last one finished
     * @param iterations iterations that ran to the end
     * @param errors     iterations that threw (k6 logs them and goes on)
     * @param dropped    arrival-rate iterations that found no free VU
     */
    record ScenarioRun(String name, String phase, Duration started, Duration elapsed, long iterations, long errors,
                       long dropped) {
    }

    private final URI baseUri;
    private final Function<String, Iteration> functions;
    private final Consumer<String> progress;
    private final K6Metrics metrics = new K6Metrics();
    private final Map<String, ScenarioRun> runs = new ConcurrentHashMap<>();

    /**
     * @param functions the script's exported functions by name ("default", "warmup")
     * @param progress  receives one line per scenario started and finished
     */
    K6Runner(URI baseUri, Function<String, Iteration> functions, Consumer<String> progress) {
        this.baseUri = baseUri;
        this.functions = functions;
        this.progress = progress;
    }

    /** Runs every scenario, each from its start time, and returns when all are over. */
    K6Metrics run(List<K6Scenario> scenarios) {
        long t0 = System.nanoTime();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build()) {
            var threads = new ArrayList<Thread>();
            for (K6Scenario s : scenarios) {
                threads.add(Thread.ofPlatform().name("k6-scenario-" + s.name()).start(() -> {
                    sleepUntil(t0 + s.startTime().toNanos());
                    progress.accept("scenario " + s.name() + " (" + s.phase() + ") starts");
                    ScenarioRun r = runOne(client, s, t0);
                    runs.put(s.name(), r);
                    progress.accept(String.format("scenario %s: %d iterations in %.1f s%s%s", s.name(), r.iterations(),
                            r.elapsed().toNanos() / 1e9, r.errors() > 0 ? ", " + r.errors() + " threw" : "",
                            r.dropped() > 0 ? ", " + r.dropped() + " dropped" : ""));
                }));
            }
            joinAll(threads);
        }
        metrics.runSeconds((System.nanoTime() - t0) / 1e9);
        return metrics;
    }

    /** The scenarios' outcomes by name, once {@link #run} returned. */
    Map<String, ScenarioRun> scenarioRuns() {
        return Map.copyOf(runs);
    }

    private ScenarioRun runOne(HttpClient client, K6Scenario s, long t0) {
        Iteration iteration = functions.apply(s.exec());
        var counter = new AtomicLong();
        var errors = new AtomicLong();
        var done = new AtomicLong();
        long start = System.nanoTime();
        long dropped = 0;
        switch (s.executor()) {
            case ConstantVus c -> {
                long end = start + c.duration().toNanos();
                closedLoop(c.vus(), end, c.gracefulStop(), client, s, counter,
                        (vu, index) -> System.nanoTime() < end,
                        vu -> iterate(iteration, vu, done, errors));
            }
            case SharedIterations c -> {
                long end = start + c.maxDuration().toNanos();
                var remaining = new AtomicInteger(c.iterations());
                closedLoop(c.vus(), end, c.gracefulStop(), client, s, counter,
                        (vu, index) -> System.nanoTime() < end && remaining.getAndDecrement() > 0,
                        vu -> iterate(iteration, vu, done, errors));
            }
            case RampingVus c -> {
                long end = start + c.span().minus(c.gracefulStop()).toNanos();
                closedLoop(c.maxVus(), end, c.gracefulStop(), client, s, counter, (vu, index) -> {
                    while (System.nanoTime() < end) {
                        double target = c.targetAt(Duration.ofNanos(System.nanoTime() - start));
                        if (index < Math.round(target)) {
                            return true;
                        }
                        vu.sleep(Duration.ofMillis(20));
                    }
                    return false;
                }, vu -> iterate(iteration, vu, done, errors));
            }
            case ConstantArrivalRate c -> dropped = arrivals(c, client, s, counter, iteration, done, errors);
        }
        long last = System.nanoTime();
        return new ScenarioRun(s.name(), s.phase(), Duration.ofNanos(start - t0), Duration.ofNanos(last - start),
                done.get(), errors.get(), dropped);
    }

    /** Decides, before each iteration of VU {@code index}, whether it runs another one (it may wait meanwhile). */
    @FunctionalInterface
    private interface Gate {
        boolean another(K6Vu vu, int index);
    }

    private void closedLoop(int vus, long end, Duration gracefulStop, HttpClient client, K6Scenario s,
                            AtomicLong counter, Gate gate, Consumer<K6Vu> body) {
        var threads = new ArrayList<Thread>(vus);
        for (int i = 0; i < vus; i++) {
            int index = i;
            K6Vu vu = new K6Vu(client, baseUri, s, metrics, counter);
            threads.add(Thread.ofVirtual().name("vu-" + s.name() + "-" + i).start(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted() && gate.another(vu, index)) {
                        body.accept(vu);
                    }
                } catch (K6Vu.Interrupted e) {
                    // interrupted while waiting for its turn in a ramp: the scenario is over
                }
            }));
        }
        joinUntil(threads, end + gracefulStop.toNanos());
    }

    /**
     * constant-arrival-rate: one iteration every 1/rate s from the start, each on a free VU of at most maxVUs; when
     * none is free the iteration is dropped and counted, tagged (as k6 tags it) with the scenario's name only.
     */
    private long arrivals(ConstantArrivalRate c, HttpClient client, K6Scenario s, AtomicLong counter,
                          Iteration iteration, AtomicLong done, AtomicLong errors) {
        var idle = new ArrayBlockingQueue<K6Vu>(c.maxVUs());
        for (int i = 0; i < c.maxVUs(); i++) {
            idle.add(new K6Vu(client, baseUri, s, metrics, counter));
        }
        K6Metrics.Recorder drops = metrics.recorder();
        Map<String, String> dropTags = Map.of("scenario", s.name());
        long start = System.nanoTime();
        long end = start + c.duration().toNanos();
        double interval = 1e9 / c.rate();
        long dropped = 0;
        var inFlight = ConcurrentHashMap.<Thread>newKeySet();
        for (long k = 0; ; k++) {
            long at = start + (long) (k * interval);
            if (at >= end) {
                break;
            }
            sleepUntil(at);
            K6Vu vu = idle.poll();
            if (vu == null) {
                dropped++;
                drops.add("dropped_iterations", dropTags, 1);
                continue;
            }
            inFlight.add(Thread.ofVirtual().name("vu-" + s.name()).start(() -> {
                try {
                    iterate(iteration, vu, done, errors);
                } finally {
                    idle.add(vu);
                    inFlight.remove(Thread.currentThread());
                }
            }));
        }
        joinUntil(List.copyOf(inFlight), end + c.gracefulStop().toNanos());
        return dropped;
    }

    private static void iterate(Iteration iteration, K6Vu vu, AtomicLong done, AtomicLong errors) {
        try {
            iteration.run(vu);
            done.incrementAndGet();
        } catch (K6Vu.Interrupted e) {
            // the graceful stop is over: k6 drops the iteration, neither done nor an error
        } catch (RuntimeException e) {
            errors.incrementAndGet();
        }
    }

    /** Joins until {@code deadline} (System.nanoTime), then interrupts what still runs and joins it. */
    private static void joinUntil(List<Thread> threads, long deadline) {
        try {
            for (Thread t : threads) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    t.join(Duration.ofNanos(left));
                }
            }
        } catch (InterruptedException e) {
            throw interrupted(threads, e);
        }
        for (Thread t : threads) {
            if (t.isAlive()) {
                t.interrupt();
            }
        }
        joinAll(threads);
    }

    private static void joinAll(List<Thread> threads) {
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            throw interrupted(threads, e);
        }
    }

    /** The run itself was interrupted: stop every VU and keep the interrupt for the caller. */
    private static IllegalStateException interrupted(List<Thread> threads, InterruptedException e) {
        threads.forEach(Thread::interrupt);
        Thread.currentThread().interrupt();
        return new IllegalStateException("k6 run interrupted", e);
    }

    private static void sleepUntil(long nanoTime) {
        long left = nanoTime - System.nanoTime();
        if (left <= 0) {
            return;
        }
        try {
            Thread.sleep(Duration.ofNanos(left));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
