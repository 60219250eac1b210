package io.tradingdesk.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * CPU time and peak memory of processes, read from Linux's {@code /proc}. CPU times are in seconds, memory in KiB.
 * Every method returns {@code NaN} / empty when the process is gone or {@code /proc} is not there (not Linux).
 * Stateless and thread-safe.
 */
final class ProcStats {

    private static final double TICKS_PER_SECOND = clockTicks();

    private ProcStats() {
    }

    /** User + system CPU seconds of one process (its threads included, its children not). */
    static double cpuSeconds(long pid) {
        long[] t = times(pid);
        return t == null ? Double.NaN : (t[0] + t[1]) / TICKS_PER_SECOND;
    }

    /**
     * User + system CPU seconds of one process plus those of its children that it has already waited for
     * (cutime + cstime): for the benchmark itself, that is wrk's and pgbench's CPU once they exited.
     */
    static double cpuSecondsWithReapedChildren(long pid) {
        long[] t = times(pid);
        return t == null ? Double.NaN : (t[0] + t[1] + t[2] + t[3]) / TICKS_PER_SECOND;
    }

    /**
     * CPU seconds of a PostgreSQL cluster: the postmaster, the backends that exited (the postmaster reaps them, so
     * they are in its cutime + cstime, which is what makes direct mode's short-lived backends visible) and the
     * processes still running under it.
     */
    static double clusterCpuSeconds(long postmasterPid) {
        double total = cpuSecondsWithReapedChildren(postmasterPid);
        if (Double.isNaN(total)) {
            return Double.NaN;
        }
        for (long child : children(postmasterPid)) {
            double c = cpuSeconds(child);
            if (!Double.isNaN(c)) {
                total += c;
            }
        }
        return total;
    }

    /**
     * CPU seconds all processes of the machine have spent busy (user, nice, system, irq, softirq, steal from the
     * first line of /proc/stat), for telling what else ran beside the benchmark.
     */
    static double machineBusySeconds() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/stat"))) {
            String[] f = lines.findFirst().orElse("").trim().split("\\s+");
            if (f.length < 9 || !f[0].equals("cpu")) {
                return Double.NaN;
            }
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(f[i]);
            }
            return busy / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The 1-, 5- and 15-minute load averages as /proc/loadavg prints them, or "unknown". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** Peak resident set size (VmHWM) in KiB. */
    static OptionalLong peakRssKib(long pid) {
        return statusField(pid, "VmHWM:");
    }

    /** Current resident set size (VmRSS) in KiB. */
    static OptionalLong rssKib(long pid) {
        return statusField(pid, "VmRSS:");
    }

    /** The PostgreSQL postmaster's pid, the first line of {@code postmaster.pid} in the data directory. */
    static OptionalLong postmasterPid(Path dataDirectory) {
        try {
            List<String> lines = Files.readAllLines(dataDirectory.resolve("postmaster.pid"));
            return lines.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(lines.get(0).strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static OptionalLong statusField(long pid, String field) {
        try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(pid), "status"))) {
            return lines.filter(l -> l.startsWith(field)).findFirst()
                    .map(l -> OptionalLong.of(Long.parseLong(l.substring(field.length()).replace("kB", "").strip())))
                    .orElse(OptionalLong.empty());
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** utime, stime, cutime, cstime in clock ticks (fields 14-17 of /proc/pid/stat), or null. */
    private static long[] times(long pid) {
        String[] f = statFields(pid);
        if (f == null || f.length < 15) {
            return null;
        }
        // f[0] is field 3 (state): field n is f[n - 3].
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])};
    }

    /** The fields after "(comm)" of /proc/pid/stat; comm may hold spaces and parentheses, so split after the last ')'. */
    private static String[] statFields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static List<Long> children(long parent) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && Character.isDigit(n.charAt(0)))
                    .map(Long::parseLong)
                    .filter(pid -> {
                        String[] f = statFields(pid);
                        return f != null && f.length > 1 && f[1].equals(Long.toString(parent));
                    })
                    .toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static double clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Double.parseDouble(out);
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to the usual value
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
