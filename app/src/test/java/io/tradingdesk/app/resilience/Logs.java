package io.tradingdesk.app.resilience;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Log levels for the resilience tests and an in-memory capture of what a logger (and its children) wrote. The levels
 * are set here, in code, because a load test at logback's unconfigured default (DEBUG for everything) would spend
 * the two cores on Jetty's debug lines.
 */
final class Logs implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    static {
        quiet();
    }

    private Logs(String loggerName) {
        this.logger = (Logger) LoggerFactory.getLogger(loggerName);
        appender.setName("resilience-capture-" + System.identityHashCode(this));
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
    }

    /** Production-like levels: INFO for the service, WARN for the libraries underneath. */
    static void quiet() {
        level(Logger.ROOT_LOGGER_NAME, Level.INFO);
        level("org.eclipse.jetty", Level.WARN);
        level("io.javalin", Level.INFO);
        level("com.zaxxer.hikari", Level.INFO);
        level("org.flywaydb", Level.WARN);
        level("io.tradingdesk", Level.INFO);
    }

    static void level(String loggerName, Level level) {
        ((Logger) LoggerFactory.getLogger(loggerName)).setLevel(level);
    }

    /** Starts capturing what {@code loggerName} and its children log from now on. */
    static Logs capture(String loggerName) {
        return new Logs(loggerName);
    }

    /** Every captured event as text: level, logger, formatted message, and any throwable with its stack. */
    List<String> lines() {
        var out = new ArrayList<String>();
        for (ILoggingEvent event : List.copyOf(appender.list)) {
            var line = new StringBuilder().append(event.getLevel()).append(' ').append(event.getLoggerName())
                    .append(" - ").append(event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                line.append("\n  caused by ").append(t.getClassName()).append(": ").append(t.getMessage());
                for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
                    line.append("\n    ").append(frame.getSTEAsString());
                }
            }
            out.add(line.toString());
        }
        return out;
    }

    List<String> warnings() {
        return lines().stream().filter(l -> l.startsWith("WARN") || l.startsWith("ERROR")).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
