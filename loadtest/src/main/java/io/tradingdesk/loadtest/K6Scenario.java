package io.tradingdesk.loadtest;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One scenario of a k6 script, in k6's terms: its name, executor and shape, when it starts, the exported function it
 * runs and the phase it is tagged with (warmup or measure, the tag the thresholds select on). The Java runner
 * ({@link K6Runner}) executes it as k6 would; {@link #describe} gives the fields as k6 options spell them, for the
 * comparison with the scripts themselves. Immutable.
 *
 * @param startTime since the start of the test
 * @param exec      the exported function, "default" for the default one
 * @param phase     {@value #WARMUP} or {@value #MEASURE}
 */
record K6Scenario(String name, Executor executor, Duration startTime, String exec, String phase) {

    static final String WARMUP = "warmup";
    static final String MEASURE = "measure";

    K6Scenario {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(executor, "executor");
        if (!WARMUP.equals(phase) && !MEASURE.equals(phase)) {
            throw new IllegalArgumentException("phase must be warmup or measure: " + phase);
        }
    }

    /** A k6 executor and its shape. */
    sealed interface Executor permits ConstantVus, SharedIterations, ConstantArrivalRate, RampingVus {

        /** The same executor with every duration multiplied by {@code factor} (counts and rates unchanged). */
        Executor scaled(double factor);

        /** The longest the executor runs, graceful stop included: when the next scenario may start. */
        Duration span();

        /** The most virtual users it ever runs at once. */
        int maxVus();
    }

    /** {@code constant-vus}: {@code vus} closed-loop clients for {@code duration}. */
    record ConstantVus(int vus, Duration duration, Duration gracefulStop) implements Executor {
        public Executor scaled(double f) {
            return new ConstantVus(vus, scale(duration, f), scale(gracefulStop, f));
        }

        public Duration span() {
            return duration.plus(gracefulStop);
        }

        public int maxVus() {
            return vus;
        }
    }

    /** {@code shared-iterations}: {@code vus} clients share {@code iterations}, cut after {@code maxDuration}. */
    record SharedIterations(int vus, int iterations, Duration maxDuration, Duration gracefulStop) implements Executor {
        public Executor scaled(double f) {
            return new SharedIterations(vus, iterations, scale(maxDuration, f), scale(gracefulStop, f));
        }

        public Duration span() {
            return maxDuration.plus(gracefulStop);
        }

        public int maxVus() {
            return vus;
        }
    }

    /**
     * {@code constant-arrival-rate}: {@code rate} iterations per second for {@code duration}, whatever the response
     * times; an iteration that finds no free VU (at most {@code maxVUs}) is dropped ({@code dropped_iterations}).
     */
    record ConstantArrivalRate(int rate, Duration duration, int preAllocatedVUs, int maxVUs, Duration gracefulStop)
            implements Executor {
        public Executor scaled(double f) {
            return new ConstantArrivalRate(rate, scale(duration, f), preAllocatedVUs, maxVUs, scale(gracefulStop, f));
        }

        public Duration span() {
            return duration.plus(gracefulStop);
        }

        public int maxVus() {
            return maxVUs;
        }
    }

    /** {@code ramping-vus} from 0: the VU count follows the stages linearly. */
    record RampingVus(List<Stage> stages, Duration gracefulRampDown, Duration gracefulStop) implements Executor {
        public RampingVus {
            stages = List.copyOf(stages);
        }

        public Executor scaled(double f) {
            return new RampingVus(stages.stream().map(s -> new Stage(scale(s.duration(), f), s.target())).toList(),
                    scale(gracefulRampDown, f), scale(gracefulStop, f));
        }

        public Duration span() {
            return stages.stream().map(Stage::duration).reduce(Duration.ZERO, Duration::plus).plus(gracefulStop);
        }

        public int maxVus() {
            return stages.stream().mapToInt(Stage::target).max().orElse(0);
        }

        /** The target VU count {@code elapsed} into the scenario (linear within a stage, from 0). */
        double targetAt(Duration elapsed) {
            double at = elapsed.toNanos();
            double from = 0;
            for (Stage s : stages) {
                double length = s.duration().toNanos();
                if (at <= length) {
                    return length == 0 ? s.target() : from + (s.target() - from) * at / length;
                }
                at -= length;
                from = s.target();
            }
            return from;
        }
    }

    /** One stage of {@link RampingVus}. */
    record Stage(Duration duration, int target) {
    }

    /** This scenario with every duration, its start included, multiplied by {@code factor}. */
    K6Scenario scaled(double factor) {
        return new K6Scenario(name, executor.scaled(factor), scale(startTime, factor), exec, phase);
    }

    /** The wall-clock time from the start of the test at which this scenario is over, graceful stop included. */
    Duration end() {
        return startTime.plus(executor.span());
    }

    /**
     * The scenario as a k6 options object spells it, normalised for comparison: durations in milliseconds, tags as a
     * map, {@code exec} only when not the default function, the fields k6 fills in by default left out.
     */
    Map<String, Object> describe() {
        var m = new LinkedHashMap<String, Object>();
        switch (executor) {
            case ConstantVus c -> {
                m.put("executor", "constant-vus");
                m.put("vus", c.vus());
                m.put("duration", c.duration().toMillis());
                m.put("gracefulStop", c.gracefulStop().toMillis());
            }
            case SharedIterations s -> {
                m.put("executor", "shared-iterations");
                m.put("vus", s.vus());
                m.put("iterations", s.iterations());
                m.put("maxDuration", s.maxDuration().toMillis());
                m.put("gracefulStop", s.gracefulStop().toMillis());
            }
            case ConstantArrivalRate r -> {
                m.put("executor", "constant-arrival-rate");
                m.put("rate", r.rate());
                m.put("timeUnit", 1000L);
                m.put("duration", r.duration().toMillis());
                m.put("preAllocatedVUs", r.preAllocatedVUs());
                m.put("maxVUs", r.maxVUs());
                m.put("gracefulStop", r.gracefulStop().toMillis());
            }
            case RampingVus v -> {
                m.put("executor", "ramping-vus");
                m.put("startVUs", 0);
                m.put("stages", v.stages().stream()
                        .map(s -> Map.<String, Object>of("duration", s.duration().toMillis(), "target", s.target()))
                        .toList());
                m.put("gracefulRampDown", v.gracefulRampDown().toMillis());
                m.put("gracefulStop", v.gracefulStop().toMillis());
            }
        }
        m.put("startTime", startTime.toMillis());
        if (!"default".equals(exec)) {
            m.put("exec", exec);
        }
        m.put("tags", Map.of("phase", phase));
        return m;
    }

    static Duration scale(Duration d, double factor) {
        return Duration.ofMillis(Math.round(d.toMillis() * factor));
    }
}
