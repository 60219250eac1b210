package io.tradingdesk.loadtest;

/** Small statistics over a handful of numbers. Stateless. */
final class Stats {
    private Stats() {
    }

    static double mean(double[] xs) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double x : xs) {
            sum += x;
        }
        return sum / xs.length;
    }

    /** Sample standard deviation (n - 1); 0 for fewer than two values. */
    static double stddev(double[] xs) {
        if (xs.length < 2) {
            return 0;
        }
        double mean = mean(xs);
        double sq = 0;
        for (double x : xs) {
            sq += (x - mean) * (x - mean);
        }
        return Math.sqrt(sq / (xs.length - 1));
    }

    /** Coefficient of variation, stddev / mean, as loadtest/k6/lib/rounds.js computes it; NaN when undefined. */
    static double cv(double[] xs) {
        double mean = mean(xs);
        return xs.length == 0 || mean == 0 ? Double.NaN : stddev(xs) / mean;
    }
}
