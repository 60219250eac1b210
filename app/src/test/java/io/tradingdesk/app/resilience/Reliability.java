package io.tradingdesk.app.resilience;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of the README's "Reliability" table, one per fault a test injected, printed and written to
 * {@code target/reliability.md} after each test class (the last class run leaves the full table). Thread-safe.
 */
final class Reliability {
    record Row(String fault, long requests, String failures, String recovery, long rowsChecked, long rowsLost) {
    }

    private static final List<Row> ROWS = new ArrayList<>();

    private Reliability() {
    }

    static synchronized void add(Row row) {
        ROWS.add(row);
    }

    static synchronized String table() {
        var out = new StringBuilder();
        out.append("Reliability run of ").append(LocalDate.now()).append(" on ").append(machine()).append("\n\n");
        out.append("| fault injected | requests sent | failures by status | recovery time | rows checked | rows lost |\n");
        out.append("|---|---:|---|---|---:|---:|\n");
        for (Row r : ROWS) {
            out.append("| ").append(r.fault()).append(" | ").append(r.requests()).append(" | ").append(r.failures())
                    .append(" | ").append(r.recovery()).append(" | ").append(r.rowsChecked()).append(" | ")
                    .append(r.rowsLost()).append(" |\n");
        }
        return out.toString();
    }

    /** Prints the table and writes it next to the build output. */
    static synchronized void publish() {
        String table = table();
        System.out.println(table);
        try {
            Path target = Path.of("target");
            if (Files.isDirectory(target)) {
                Files.writeString(target.resolve("reliability.md"), table);
            }
        } catch (IOException e) {
            System.out.println("could not write target/reliability.md: " + e.getMessage());
        }
    }

    static String machine() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long gib = Math.round(os.getTotalMemorySize() / (1024.0 * 1024 * 1024));
        return Runtime.getRuntime().availableProcessors() + " cores (nproc), " + gib + " GiB RAM, "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", Java "
                + Runtime.version().feature();
    }
}
