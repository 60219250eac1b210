package io.tradingdesk.loadtest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * {@code benchmark.json}: every raw number of a run. The records below are the document, in the order it lists its
 * fields; Jackson writes it indented by two spaces, one array element per line. Doubles keep 8 significant digits,
 * whole ones are written as integers, and NaN or infinity (not measured) as {@code null}, which JSON has instead.
 * Stateless and thread-safe.
 */
final class JsonReport {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new SimpleModule("benchmark-numbers")
                    .addSerializer(Double.class, new RoundedDouble())
                    .addSerializer(double.class, new RoundedDouble()))
            .defaultPrettyPrinter(new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayValueSpacing(Separators.Spacing.NONE)
                    .withArrayEmptySeparator(""))
                    .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                    .withArrayIndenter(new DefaultIndenter("  ", "\n")))
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private JsonReport() {
    }

    /** The whole document, ending in a newline. */
    static String write(Results results) {
        Plan plan = results.plan();
        return toJson(new Document(results.environment(),
                new PlanJson(plan.name(), plan.workload().toSeconds(), plan.stress().toSeconds(),
                        plan.timed().toSeconds(), plan.sweep().toSeconds(), plan.pgbench().toSeconds(),
                        plan.warmupPooled().toSeconds(), plan.warmupDirect().toSeconds()),
                results.data(), byLevel(results.pgbench(), ResultJson::of),
                byLevel(results.pgbenchPointRead(), ResultJson::of), ModeJson.of(results.direct()),
                ModeJson.of(results.pooled()), PoolCurveJson.of(results.poolCurve()), Targets.of(results),
                results.notes()));
    }

    /** Any value in this document's format (what the tests check the format with). */
    static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write benchmark.json: " + e.getOriginalMessage(), e);
        }
    }

    /** Keys in ascending concurrency, as strings (JSON keys are). */
    private static <T, R> Map<String, R> byLevel(Map<Integer, T> byConcurrency, Function<T, R> view) {
        var out = new LinkedHashMap<String, R>();
        new TreeMap<>(byConcurrency).forEach((level, v) -> out.put(Integer.toString(level), view.apply(v)));
        return out;
    }

    /** The document; {@code dataset} is left out when nothing was seeded. */
    record Document(Environment environment, PlanJson plan,
                    @JsonInclude(JsonInclude.Include.NON_NULL) Dataset dataset, Map<String, ResultJson> pgbench,
                    Map<String, ResultJson> pgbenchPointRead, ModeJson direct, ModeJson pooled, PoolCurveJson poolCurve,
                    List<Targets.Target> targets, List<String> notes) {
    }

    /** The pool-size curve; {@code live} is null when /health/live was not measured. */
    record PoolCurveJson(List<PointJson> points, @JsonInclude(JsonInclude.Include.NON_NULL) PointJson live) {

        static PoolCurveJson of(PoolCurve.Result r) {
            return new PoolCurveJson(r.points().stream().map(PointJson::of).toList(),
                    r.live() == null ? null : PointJson.of(r.live()));
        }
    }

    record PointJson(int poolSize, String route, ResultJson result, double serverCores,
                     double serverCpuMicrosPerRequest) {

        static PointJson of(PoolCurve.Point p) {
            return new PointJson(p.poolSize(), p.route(), ResultJson.of(p.result()), p.serverCores(),
                    p.serverCpuMicrosPerRequest());
        }
    }

    record PlanJson(String name, long workloadSeconds, long stressSeconds, long timedSeconds, long sweepSeconds,
                    long pgbenchSeconds, long warmupPooledSeconds, long warmupDirectSeconds) {
    }

    record ModeJson(String mode, double serverStartSeconds, long peakRssKib, double serverCpuSeconds,
                    MeasurementJson warmup, Map<String, MeasurementJson> workloads, MeasurementJson stress,
                    List<ResultJson> fixedRounds, double fixedRoundsCv, List<MeasurementJson> timedRounds,
                    double timedRoundsCv, Map<String, MeasurementJson> sweep, MeasurementJson profiled,
                    String profileSummary) {

        static ModeJson of(ModeResults m) {
            var workloads = new LinkedHashMap<String, MeasurementJson>();
            m.workloads.forEach((w, measurement) -> workloads.put(w.label(), MeasurementJson.of(measurement)));
            return new ModeJson(m.mode, m.startSeconds, m.peakRssKib, m.serverCpuSeconds,
                    MeasurementJson.of(m.warmup), workloads, MeasurementJson.of(m.stress),
                    m.fixedRounds.stream().map(ResultJson::of).toList(), m.fixedRoundsCv(),
                    m.timedRounds.stream().map(MeasurementJson::of).toList(), m.timedRoundsCv(),
                    byLevel(m.sweep, MeasurementJson::of), MeasurementJson.of(m.profiled), m.profileSummary);
        }
    }

    record MeasurementJson(String mode, String name, String workload, String route, ResultJson result,
                           double acquisitions, double connectionsCreated, double reuseRate, double acquireAvgMillis,
                           double acquireP99BoundMillis, double serverCores, double postgresCores, double clientCores,
                           double otherCores, double serverCpuMicrosPerRequest, JsonNode poolAfter) {

        /** Null for a run that did not happen. */
        static MeasurementJson of(Measurement m) {
            return m == null ? null : new MeasurementJson(m.mode(), m.name(), m.workload().label(),
                    m.workload().route(), ResultJson.of(m.result()), m.acquisitions(), m.created(), m.reuseRate(),
                    m.acquireAvgMillis(), m.acquireP99BoundMillis(), m.serverCores(), m.postgresCores(),
                    m.clientCores(), m.otherCores(), m.serverCpuMicrosPerRequest(), m.pool());
        }
    }

    /** A {@link LoadResult} with its duration in seconds and its failures sorted by kind. */
    record ResultJson(int concurrency, long requests, long failed, Map<String, Long> failures, double elapsedSeconds,
                      double throughput, double avgMillis, double p50Millis, double p95Millis, double p99Millis,
                      double minMillis, double maxMillis) {

        static ResultJson of(LoadResult r) {
            return new ResultJson(r.concurrency(), r.requests(), r.failed(), new TreeMap<>(r.failures()),
                    r.elapsed().toNanos() / 1e9, r.throughput(), r.avgMillis(), r.p50Millis(), r.p95Millis(),
                    r.p99Millis(), r.minMillis(), r.maxMillis());
        }
    }

    /** 8 significant digits, whole numbers without a fraction, null for NaN and infinity. */
    private static final class RoundedDouble extends StdSerializer<Double> {
        private static final MathContext SIGNIFICANT = new MathContext(8);

        RoundedDouble() {
            super(Double.class);
        }

        @Override
        public void serialize(Double value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            double d = value;
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                gen.writeNull();
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                gen.writeNumber((long) d);
            } else {
                gen.writeNumber(new BigDecimal(d).round(SIGNIFICANT).stripTrailingZeros().toPlainString());
            }
        }
    }
}
