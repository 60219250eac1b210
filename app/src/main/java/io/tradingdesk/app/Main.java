package io.tradingdesk.app;

import java.util.function.Predicate;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * {@code java -p app/target/modules -m app}: reads the configuration from the environment, starts the server and
 * stops it on SIGTERM (after draining for {@code SHUTDOWN_DRAIN}) or SIGINT (at once: Ctrl-C has no balancer to
 * wait for). Exit codes: 0 after a stop signal, 1 when start-up fails, 2 for a bad variable.
 */
public final class Main {
    static final int EXIT_STOPPED = 0;
    static final int EXIT_START_FAILED = 1;
    static final int EXIT_BAD_CONFIGURATION = 2;

    private Main() {
    }

    public static void main(String[] args) {
        Configuration configuration;
        try {
            configuration = Configuration.from(System.getenv());
        } catch (IllegalArgumentException e) {
            // Before any logging is set up: one line, no stack trace; the message names the variable, never a secret.
            System.err.println("configuration error: " + e.getMessage());
            System.exit(EXIT_BAD_CONFIGURATION);
            return;
        }
        // logback.xml reads ${LOG_LEVEL}; hand it the validated value before the first logger exists.
        System.setProperty("LOG_LEVEL", configuration.app().logLevel());

        var server = new Server(configuration);
        onStopSignal("TERM", server::drainAndStop);
        onStopSignal("INT", server::stop);
        // Any other way the JVM ends (System.exit elsewhere, SIGHUP) still closes the pool and PostgreSQL.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop("JVM exit"), "server-shutdown"));
        try {
            server.start();
        } catch (RuntimeException | LinkageError e) {
            var log = LoggerFactory.getLogger(Main.class);
            log.error("start-up failed: {}", causes(e));
            log.debug("start-up failure", e);
            System.exit(EXIT_START_FAILED);
        }
    }

    /** The messages of {@code e} and its causes, for a one-line report (LOG_LEVEL=DEBUG adds the stack trace). */
    static String causes(Throwable e) {
        var text = new StringBuilder(String.valueOf(e.getMessage()));
        int depth = 0;
        for (Throwable c = e.getCause(); c != null && depth++ < 10; c = c.getCause()) {
            if (c.getMessage() != null && !text.toString().contains(c.getMessage())) {
                text.append("; caused by ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
            }
        }
        return text.toString();
    }

    /**
     * The JVM exits with 128+signal after SIGTERM/SIGINT even when its shutdown hooks succeed; a handler of our own
     * lets a clean stop exit 0, which is what process supervisors and container runtimes expect.
     */
    private static void onStopSignal(String name, Predicate<String> stop) {
        try {
            Signal.handle(new Signal(name),
                    signal -> System.exit(stop.test("SIG" + signal.getName()) ? EXIT_STOPPED : EXIT_START_FAILED));
        } catch (IllegalArgumentException e) {
            // The signal is reserved (java -Xrs, or a debugger): the shutdown hook still stops the server.
            LoggerFactory.getLogger(Main.class).debug("cannot handle SIG{}: {}", name, e.getMessage());
        }
    }
}
