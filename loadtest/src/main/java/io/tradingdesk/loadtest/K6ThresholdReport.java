package io.tradingdesk.loadtest;

import static io.tradingdesk.loadtest.ReportFormat.f;
import static io.tradingdesk.loadtest.ReportFormat.ms;
import static io.tradingdesk.loadtest.ReportFormat.num;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * {@code k6-thresholds.md} and {@code k6-thresholds.json}: what {@link K6ThresholdCheck} measured, script by script,
 * threshold by threshold, with the CPU each party used over the measured scenarios. Stateless.
 */
final class K6ThresholdReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What the report states about the run besides the results.
     *
     * @param date         start, UTC, ISO-8601
     * @param machine      CPUs, model, memory
     * @param database     the cluster the servers used
     * @param loadAtStart  1-, 5- and 15-minute load averages at the start
     * @param loadAtEnd    the same at the end
     * @param seconds      the whole run
     */
    record Header(String date, String machine, String database, String jdk, String loadAtStart, String loadAtEnd,
                  double seconds, K6ThresholdCheck.Settings settings) {
    }

    private K6ThresholdReport() {
    }

    static String markdown(Header h, List<K6ThresholdCheck.ScriptResult> results) {
        var md = new StringBuilder();
        long held = results.stream().mapToLong(r -> r.outcomes().stream().filter(K6Threshold.Outcome::passed).count())
                .sum();
        long all = results.stream().mapToLong(r -> r.outcomes().size()).sum();
        md.append("# k6 thresholds, driven by the Java runner\n\n");
        md.append("Measured ").append(h.date()).append(" by `./bench --k6-thresholds")
                .append(h.settings().scale() == 1 ? "" : " --scale " + h.settings().scale())
                .append(h.settings().hog() ? "" : " --no-hog").append("`: each k6 script's scenarios (warm-up tagged")
                .append(" phase:warmup, then the measured scenarios tagged phase:measure) run by the project's Java")
                .append(" runner against ").append(h.settings().freshServers() ? "a freshly started server per script"
                        : "one freshly started server").append(" (`java -p app/target/modules -m app`, default")
                .append(" configuration: pool of 10 to 50)")
                .append(h.settings().hog() ? ", with a CPU hog (one busy-loop process) taking one core's share for k6's"
                        + " own CPU" : "").append("; every duration of the scripts times ").append(h.settings().scale())
                .append(h.settings().warmup() == null ? "" : ", the warm-up " + h.settings().warmup().toSeconds()
                        + " s (as `k6 run -e WARMUP=" + h.settings().warmup().toSeconds() + "s`)")
                .append(". Thresholds from `loadtest/k6/lib/thresholds.js`, judged on the measured requests only.")
                .append(" For sustained.js and mixed.js the CPU per request includes the idle time between rounds and")
                .append(" the think time.\n\n");
        md.append("**").append(held).append(" of ").append(all).append(" thresholds held**");
        md.append(results.stream().allMatch(K6ThresholdCheck.ScriptResult::passed) ? " (every script would exit 0)."
                : "; failing: " + String.join(", ", results.stream().filter(r -> !r.passed())
                .map(r -> r.script().scriptName() + " (" + r.failed().size() + ")").toList()) + ".");
        md.append("\n\n| | |\n|---|---|\n");
        ReportFormat.row(md, "Machine", h.machine());
        ReportFormat.row(md, "JDK", h.jdk());
        ReportFormat.row(md, "Database", h.database());
        ReportFormat.row(md, "Load average (1/5/15 min)", "at start " + h.loadAtStart() + ", at end " + h.loadAtEnd());
        ReportFormat.row(md, "Total run time", f("%.0f s", h.seconds()));
        md.append('\n');

        md.append("## Summary\n\n")
                .append("Latency of the measured requests (ms), the server's CPU per measured request, and the cores")
                .append(" each party used over the measured scenarios: server, PostgreSQL, the Java runner, the CPU hog,")
                .append(" and everything else on the machine (*other*: busy CPU of /proc/stat minus the four before it;")
                .append(" well above zero means other work competed).\n\n")
                .append("| Script | Thresholds held | Measured / warm-up requests | Latency by kind: avg / p95 / p99")
                .append(" | Server CPU µs/request | Cores: server / PostgreSQL / runner / hog / other |\n")
                .append("|---|---|---|---|---|---|\n");
        for (var r : results) {
            md.append("| ").append(r.script().scriptName()).append(" | ")
                    .append(r.outcomes().size() - r.failed().size()).append(" / ").append(r.outcomes().size())
                    .append(r.passed() ? "" : " **FAIL**").append(" | ").append(num(r.measuredRequests()))
                    .append(" / ").append(num(r.warmupRequests())).append(" | ");
            md.append(String.join("; ", r.byKind().entrySet().stream().map(e -> e.getKey() + " " + ms(e.getValue()[0])
                    + " / " + ms(e.getValue()[1]) + " / " + ms(e.getValue()[2])).toList()));
            md.append(" | ").append(num(r.serverCpuMicrosPerRequest())).append(" | ");
            var c = r.measuredCpu();
            md.append(c == null ? "n/a" : f("%.2f / %.2f / %.2f / %.2f / %.2f", c.server(), c.postgres(), c.client(),
                    c.hog(), c.other())).append(" |\n");
        }
        md.append('\n');

        for (var r : results) {
            md.append("## ").append(r.script().scriptName()).append(".js\n\n");
            md.append("Scenarios: ").append(String.join("; ", r.scenarios().values().stream()
                    .sorted((a, b) -> a.started().compareTo(b.started()))
                    .map(s -> f("%s (%s) from %.1f s: %s iterations in %.1f s%s", s.name(), s.phase(),
                            s.started().toNanos() / 1e9, num(s.iterations()), s.elapsed().toNanos() / 1e9,
                            s.dropped() > 0 ? ", " + s.dropped() + " dropped" : "")).toList())).append(".\n\n");
            md.append("| Threshold | Expression | Observed | Samples | Held | Headroom |\n|---|---|---|---|---|---|\n");
            for (var o : r.outcomes()) {
                md.append("| `").append(o.threshold().key()).append("` | `").append(o.threshold().expression())
                        .append("` | ").append(observed(o)).append(" | ").append(num(o.samples())).append(" | ")
                        .append(o.passed() ? "yes" : "**no**").append(" | ")
                        .append(Double.isNaN(o.headroom()) ? "" : f("%.0f %%", o.headroom() * 100)).append(" |\n");
            }
            md.append('\n');
        }
        md.append("*Headroom*: how far below an upper limit the observed value stayed (40 % = the observed value is")
                .append(" 0.6 x the limit).\n");
        return md.toString();
    }

    static String json(Header h, List<K6ThresholdCheck.ScriptResult> results) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode head = root.putObject("run");
        head.put("date", h.date()).put("machine", h.machine()).put("jdk", h.jdk()).put("database", h.database())
                .put("loadAverageAtStart", h.loadAtStart()).put("loadAverageAtEnd", h.loadAtEnd())
                .put("seconds", h.seconds()).put("scale", h.settings().scale()).put("cpuHog", h.settings().hog())
                .put("freshServerPerScript", h.settings().freshServers());
        ArrayNode scripts = root.putArray("scripts");
        for (var r : results) {
            ObjectNode s = scripts.addObject();
            s.put("script", r.script().scriptName() + ".js").put("passed", r.passed())
                    .put("measuredRequests", r.measuredRequests()).put("warmupRequests", r.warmupRequests())
                    .put("serverCpuMicrosPerRequest", r.serverCpuMicrosPerRequest());
            var c = r.measuredCpu();
            if (c != null) {
                s.putObject("measuredCores").put("seconds", c.seconds()).put("server", c.server())
                        .put("postgres", c.postgres()).put("runner", c.client()).put("hog", c.hog())
                        .put("other", c.other());
            }
            ObjectNode kinds = s.putObject("latencyMillisByKind");
            r.byKind().forEach((k, v) -> kinds.putObject(k).put("avg", v[0]).put("p95", v[1]).put("p99", v[2])
                    .put("count", (long) v[3]));
            ArrayNode scenarios = s.putArray("scenarios");
            r.scenarios().values().stream().sorted((a, b) -> a.started().compareTo(b.started())).forEach(x ->
                    scenarios.addObject().put("name", x.name()).put("phase", x.phase())
                            .put("startSeconds", x.started().toNanos() / 1e9)
                            .put("elapsedSeconds", x.elapsed().toNanos() / 1e9).put("iterations", x.iterations())
                            .put("errors", x.errors()).put("dropped", x.dropped()));
            ArrayNode thresholds = s.putArray("thresholds");
            for (var o : r.outcomes()) {
                thresholds.addObject().put("metric", o.threshold().key()).put("expression", o.threshold().expression())
                        .put("observed", o.observed()).put("samples", o.samples()).put("held", o.passed());
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String observed(K6Threshold.Outcome o) {
        String m = o.threshold().metric();
        if (K6Metrics.type(m) == K6Metrics.Type.TREND) {
            return ms(o.observed()) + " ms";
        }
        if (K6Metrics.type(m) == K6Metrics.Type.RATE) {
            return f("%.4f", o.observed());
        }
        return num(o.observed());
    }
}
