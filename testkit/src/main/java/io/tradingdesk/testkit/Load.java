package io.tradingdesk.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * A closed-loop load of {@code workers} virtual threads, each running {@code step} again and again until
 * {@link #stop} or its deadline, with every exchange kept as a {@link Sample}. Bounded twice: by the deadline given
 * at start and by a request budget; stop waits a bounded time for the workers.
 */
public final class Load implements Desk.Sink {
    public record Sample(String operation, boolean write, long startNanos, long endNanos, int status, boolean retryAfter,
                  String body) {
        public long millis() {
            return (endNanos - startNanos) / 1_000_000;
        }
    }

    /** Shorter than the Retry-After of 1 s, to keep the pressure on during a fault. */
    private static final long PAUSE_AFTER_503_MILLIS = 50;

    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();
    private final long budget;
    private final boolean keepSamples;
    private CountDownLatch done;
    private final Map<Integer, AtomicLong> byStatus = new java.util.concurrent.ConcurrentHashMap<>();

    public Load(long budget, boolean keepSamples) {
        this.budget = budget;
        this.keepSamples = keepSamples;
    }

    /** Called on the worker's thread; after a 503 the worker pauses briefly, as a client honouring Retry-After would. */
    @Override
    public void record(String operation, boolean write, long startNanos, Reply reply) {
        sent.incrementAndGet();
        byStatus.computeIfAbsent(reply.status(), k -> new AtomicLong()).incrementAndGet();
        boolean interesting = reply.serverError() || reply.failedInTransport();
        if (keepSamples || interesting) {
            samples.add(new Sample(operation, write, startNanos, startNanos + reply.nanos(), reply.status(),
                    reply.retryAfter() != null, interesting ? reply.body() : null));
        }
        if (reply.status() == 503) {
            try {
                Thread.sleep(PAUSE_AFTER_503_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts the workers; each calls {@code step.accept(workerIndex, rng)} in a loop. */
    public void start(int workers, long maxMillis, BiConsumer<Integer, RandomGenerator> step) {
        running.set(true);
        done = new CountDownLatch(workers);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        var seeds = new SplittableRandom(42);
        for (int w = 0; w < workers; w++) {
            int worker = w;
            RandomGenerator rng = seeds.split();
            Thread.ofVirtual().name("load-" + w).start(() -> {
                try {
                    while (running.get() && sent.get() < budget && System.nanoTime() < deadline) {
                        step.accept(worker, rng);
                    }
                } finally {
                    done.countDown();
                }
            });
        }
    }

    /** Asks the workers to stop and waits up to {@code waitMillis} for them; true when all ended. */
    public boolean stop(long waitMillis) throws InterruptedException {
        running.set(false);
        return done.await(waitMillis, TimeUnit.MILLISECONDS);
    }

    /** Waits for the workers to end by themselves (budget or deadline), up to {@code waitMillis}. */
    public boolean await(long waitMillis) throws InterruptedException {
        return done.await(waitMillis, TimeUnit.MILLISECONDS);
    }

    public long sent() {
        return sent.get();
    }

    public List<Sample> samples() {
        return new ArrayList<>(samples);
    }

    /** Counts by status, e.g. {200=1234, 503=12}; transport failures show as -1 (timeout) and -2 (I/O). */
    public Map<Integer, Long> byStatus() {
        return new TreeMap<>(byStatus.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())));
    }

    /** Non-2xx counts only, as "503×12, 404×3" (expected 4xx of the hostile mix included). */
    public static String failures(Map<Integer, Long> byStatus) {
        String text = byStatus.entrySet().stream().filter(e -> e.getKey() < 200 || e.getKey() >= 300)
                .map(e -> (e.getKey() == Reply.TIMEOUT ? "timeout" : e.getKey() == Reply.IO_ERROR ? "io-error"
                        : String.valueOf(e.getKey())) + "×" + e.getValue())
                .collect(Collectors.joining(", "));
        return text.isEmpty() ? "none" : text;
    }
}
