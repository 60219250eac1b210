package io.tradingdesk.app.ops;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code clients} virtual threads, each sending GET {@code path} again as soon as its last answer arrived, until
 * {@link #stop}; counts answers by status (0 for an I/O error). Bounded: every request has the client's 15 s timeout,
 * and {@link #stop} waits at most {@code STOP_WAIT} for the threads. Thread-safe.
 */
final class ClosedLoop {
    private static final Duration STOP_WAIT = Duration.ofSeconds(20);

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();

    private ClosedLoop(DeskTraffic traffic, int clients, String path) {
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofVirtual().name("load-" + i).start(() -> {
                while (running.get()) {
                    int status;
                    try {
                        status = traffic.send("GET", path, null).statusCode();
                    } catch (IOException e) {
                        status = 0;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
                }
            }));
        }
    }

    static ClosedLoop start(DeskTraffic traffic, int clients, String path) {
        return new ClosedLoop(traffic, clients, path);
    }

    /** Stops sending and waits for the requests in flight. */
    void stop() throws InterruptedException {
        running.set(false);
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        for (Thread thread : threads) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            if (!thread.join(Duration.ofMillis(left))) {
                throw new AssertionError("load thread still running " + STOP_WAIT + " after stop");
            }
        }
    }

    /** Answers by HTTP status; 0 counts I/O errors. */
    Map<Integer, Long> statuses() {
        var out = new TreeMap<Integer, Long>();
        statuses.forEach((status, count) -> out.put(status, count.sum()));
        return out;
    }

    long answered(int status) {
        LongAdder count = statuses.get(status);
        return count == null ? 0 : count.sum();
    }
}
