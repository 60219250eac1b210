package io.tradingdesk.loadtest;

import io.tradingdesk.loadtest.K6Scenario.ConstantArrivalRate;
import io.tradingdesk.loadtest.K6Scenario.ConstantVus;
import io.tradingdesk.loadtest.K6Scenario.Executor;
import io.tradingdesk.loadtest.K6Scenario.RampingVus;
import io.tradingdesk.loadtest.K6Scenario.SharedIterations;
import io.tradingdesk.loadtest.K6Scenario.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The k6 load scripts of {@code loadtest/k6/} as the Java runner drives them: each script's scenarios with their
 * default shapes (lib/profiles.js: a 30 s warm-up tagged phase:warmup, a 2 s pause, then the measured scenarios
 * tagged phase:measure), its thresholds (built from {@link K6Limits} exactly as the script builds them from
 * lib/thresholds.js), and its exported functions ({@link K6Iterations}). {@code K6ScriptTest} compares scenarios and
 * thresholds with the scripts' own options as Node evaluates them. Immutable.
 */
enum K6Script {
    SIMPLE_READS("simple-reads", 100, null),
    POINT_READS("point-reads", 100, null),
    WRITES("writes", 100, null),
    COMPLEX("complex", 100, null),
    EXHAUSTION("exhaustion", 200, null),
    SUSTAINED("sustained", 100, null),
    SUSTAINED_RATE("sustained-rate", 50, null),
    MIXED("mixed", 50, "warmup");

    /** lib/profiles.js withWarmup(): the warm-up's default length (env WARMUP). */
    static final Duration WARMUP = Duration.ofSeconds(30);
    /** lib/profiles.js WARMUP_GRACE_MS: the warm-up's graceful stop, and the pause before the measured scenarios. */
    static final Duration WARMUP_GRACE = Duration.ofSeconds(2);
    /** lib/profiles.js steady(): the measured length of the constant-VU scripts (env DURATION). */
    static final Duration STEADY = Duration.ofSeconds(30);
    /** k6's default graceful stop. */
    static final Duration GRACEFUL_STOP = Duration.ofSeconds(30);
    /** sustained.js: roundPlan(5, 100, 100, '10s'). */
    static final int ROUNDS = 5;
    static final int ROUND_REQUESTS = 100;
    static final Duration ROUND_SPACING = Duration.ofSeconds(10);
    /** mixed.js: THINK_TIME, the most think time after an action. */
    static final Duration THINK_TIME = Duration.ofSeconds(1);

    private final String scriptName;
    private final int warmupVus;
    private final String warmupExec;

    K6Script(String scriptName, int warmupVus, String warmupExec) {
        this.scriptName = scriptName;
        this.warmupVus = warmupVus;
        this.warmupExec = warmupExec;
    }

    /** The file name without ".js", as lib/thresholds.js keys its limits. */
    String scriptName() {
        return scriptName;
    }

    static K6Script byName(String name) {
        for (K6Script s : values()) {
            if (s.scriptName.equals(name) || (s.scriptName + ".js").equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no k6 script '" + name + "' (known: "
                + Arrays.stream(values()).map(K6Script::scriptName).toList() + ")");
    }

    /**
     * The scenarios in start order, every duration multiplied by {@code scale} (1 = the scripts' defaults); the
     * warm-up and its exclusion stay the same at any scale.
     */
    List<K6Scenario> scenarios(double scale) {
        return scenarios(scale, K6Scenario.scale(WARMUP, scale));
    }

    /**
     * The same with the warm-up's length given, as {@code k6 run -e WARMUP=<warmup>} gives it: the warm-up lasts
     * {@code warmup}, every other duration is multiplied by {@code scale}, and the measured scenarios start after
     * the warm-up and its (scaled) graceful stop.
     */
    List<K6Scenario> scenarios(double scale, Duration warmup) {
        var out = new ArrayList<K6Scenario>();
        Duration grace = K6Scenario.scale(WARMUP_GRACE, scale);
        out.add(new K6Scenario("warmup", new ConstantVus(warmupVus, warmup, grace), Duration.ZERO,
                warmupExec == null ? "default" : warmupExec, K6Scenario.WARMUP));
        Duration offset = warmup.plus(grace);
        for (var e : measured().entrySet()) {
            var s = new K6Scenario(e.getKey(), e.getValue().executor(), e.getValue().start(), "default",
                    K6Scenario.MEASURE).scaled(scale);
            out.add(new K6Scenario(s.name(), s.executor(), offset.plus(s.startTime()), s.exec(), s.phase()));
        }
        return List.copyOf(out);
    }

    /** A measured scenario before the warm-up's offset. */
    private record Measured(Executor executor, Duration start) {
    }

    private Map<String, Measured> measured() {
        var m = new LinkedHashMap<String, Measured>();
        switch (this) {
            case SIMPLE_READS -> m.put("simple_reads", steady(100));
            case POINT_READS -> m.put("point_reads", steady(100));
            case WRITES -> m.put("writes", steady(100));
            case COMPLEX -> m.put("complex", steady(100));
            case EXHAUSTION -> m.put("exhaustion", steady(200));
            case SUSTAINED -> {
                // lib/profiles.js roundPlan(): a round may take its slot less a graceful stop of min(2 s, slot / 5).
                Duration graceful = ROUND_SPACING.dividedBy(5).compareTo(Duration.ofSeconds(2)) < 0
                        ? ROUND_SPACING.dividedBy(5) : Duration.ofSeconds(2);
                for (int i = 1; i <= ROUNDS; i++) {
                    m.put(roundName(i), new Measured(new SharedIterations(ROUND_REQUESTS, ROUND_REQUESTS,
                            ROUND_SPACING.minus(graceful), graceful), ROUND_SPACING.multipliedBy(i - 1)));
                }
            }
            case SUSTAINED_RATE -> m.put("sustained_rate", new Measured(
                    new ConstantArrivalRate(200, Duration.ofMinutes(2), 50, 300, GRACEFUL_STOP), Duration.ZERO));
            case MIXED -> m.put("mixed", new Measured(new RampingVus(List.of(
                    new Stage(Duration.ofMinutes(1), 50), new Stage(Duration.ofMinutes(10), 50),
                    new Stage(Duration.ofSeconds(30), 0)), GRACEFUL_STOP, GRACEFUL_STOP), Duration.ZERO));
        }
        return m;
    }

    private static Measured steady(int vus) {
        return new Measured(new ConstantVus(vus, STEADY, GRACEFUL_STOP), Duration.ZERO);
    }

    static String roundName(int i) {
        return "round_" + i;
    }

    /** The script's thresholds, keyed as in its options (metric with selector -> expressions), in its order. */
    Map<String, List<String>> thresholds(K6Limits limits) {
        var t = new LinkedHashMap<String, List<String>>();
        // lib/thresholds.js base()
        t.put(measured("http_req_failed"), List.of("rate==0"));
        t.put(measured("checks"), List.of("rate>" + limits.checksRate()));
        switch (this) {
            case SIMPLE_READS, POINT_READS, SUSTAINED, SUSTAINED_RATE -> byKind(t, limits, "simple");
            case WRITES -> byKind(t, limits, "write");
            case COMPLEX -> byKind(t, limits, "complex");
            case EXHAUSTION -> {
                t.put(measured("pool_exhausted_503"), List.of("count==0"));
                t.put(measured("http_req_duration{kind:simple}"), limits.percentiles(scriptName, "simple"));
                t.put(measured("http_req_duration{kind:write}"), limits.percentiles(scriptName, "write"));
            }
            case MIXED -> {
                byKind(t, limits, "simple", "write", "complex");
                t.put(measured("trade_flow_duration"), limits.percentiles(scriptName, "trade_flow"));
            }
        }
        if (this == SUSTAINED) {
            // lib/thresholds.js byScenario(): per round latency, no failure, the full request count
            for (int i = 1; i <= ROUNDS; i++) {
                t.put("http_req_duration{scenario:" + roundName(i) + "}", limits.latency(scriptName, "simple"));
                t.put("http_req_failed{scenario:" + roundName(i) + "}", List.of("rate==0"));
                t.put("http_reqs{scenario:" + roundName(i) + "}", List.of("count>=" + ROUND_REQUESTS));
            }
        }
        if (this == SUSTAINED_RATE) {
            t.put("dropped_iterations{scenario:sustained_rate}", List.of("count==0"));
        }
        return t;
    }

    /** Every threshold of {@link #thresholds}, parsed. */
    List<K6Threshold> parsedThresholds(K6Limits limits) {
        var out = new ArrayList<K6Threshold>();
        thresholds(limits).forEach((key, exprs) -> exprs.forEach(e -> out.add(K6Threshold.parse(key, e))));
        return out;
    }

    /** The script's exported functions by name, for {@link K6Runner}. */
    K6Runner.Iteration function(String exec, K6Iterations iterations) {
        if ("warmup".equals(exec) && this == MIXED) {
            return iterations.mixedWarmup();
        }
        if (!"default".equals(exec)) {
            throw new IllegalArgumentException(scriptName + ".js exports no function " + exec);
        }
        return switch (this) {
            case SIMPLE_READS -> iterations.simpleReads();
            case POINT_READS -> iterations.pointReads();
            case WRITES -> iterations.writes();
            case COMPLEX -> iterations.complex();
            case EXHAUSTION -> iterations.exhaustion();
            case SUSTAINED, SUSTAINED_RATE -> iterations.latestNotes();
            case MIXED -> iterations.mixed(THINK_TIME);
        };
    }

    private void byKind(Map<String, List<String>> t, K6Limits limits, String... classes) {
        for (String cls : classes) {
            t.put(measured("http_req_duration{kind:" + cls + "}"), limits.latency(scriptName, cls));
        }
    }

    /** lib/thresholds.js measured(): the selector of the measured requests added to a metric. */
    static String measured(String metric) {
        return metric.endsWith("}") ? metric.substring(0, metric.length() - 1) + ",phase:measure}"
                : metric + "{phase:measure}";
    }
}
