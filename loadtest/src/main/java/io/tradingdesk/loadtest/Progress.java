package io.tradingdesk.loadtest;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The benchmark's console on stderr: one line per step, stamped with the seconds since the benchmark started, and a
 * progress line ("[pooled] point @100: 12/15 s") while a long step runs, redrawn in place on a terminal and printed
 * every 5 s otherwise. Thread-safe.
 */
final class Progress {

    private final long started = System.nanoTime();

    void say(String line) {
        System.err.printf("[%5.1fs] %s%n", (System.nanoTime() - started) / 1e9, line);
    }

    /** Runs {@code work} while the progress line of {@code label} counts up to {@code expected}. */
    <T> T during(String label, Duration expected, Supplier<T> work) {
        boolean console = System.console() != null;
        long total = expected.toSeconds();
        long t0 = System.nanoTime();
        Thread ticker = Thread.ofPlatform().daemon().name("bench-progress").start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(console ? 1_000 : 5_000);
                    long s = (System.nanoTime() - t0) / 1_000_000_000L;
                    String line = label + ": " + Math.min(s, total) + "/" + total + " s";
                    if (console) {
                        System.err.print("\r" + line + "   ");
                    } else {
                        System.err.println(line);
                    }
                }
            } catch (InterruptedException e) {
                // the step is over
            }
        });
        try {
            return work.get();
        } finally {
            ticker.interrupt();
            if (console) {
                System.err.print("\r" + " ".repeat(label.length() + 16) + "\r");
            }
        }
    }
}
