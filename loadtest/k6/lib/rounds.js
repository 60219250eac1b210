// Per-round throughput for round-based scenarios (see profiles.rounds()).
//
// Each round scenario round_N gets a Gauge round_N_elapsed_ms. After every iteration the
// VU records the time since its scenario started; the gauge's max is then the round's
// wall-clock duration (start of the round -> end of its last iteration). The round's
// request count is the http_reqs{scenario:round_N} sub-metric, which exists in the
// summary data because thresholds.byScenario() puts a threshold on it.
import exec from 'k6/execution';
import { Gauge } from 'k6/metrics';
import { roundName } from './profiles.js';

/**
 * @param {number} i - 1-based round
 * @returns {string}
 */
export function elapsedMetricName(i) {
    return `${roundName(i)}_elapsed_ms`;
}

/**
 * Creates the per-round gauges; call in the init context (module top level).
 * @param {number} n
 * @returns {{mark: () => void}}
 */
export function roundClock(n) {
    /** @type {Record<string, Gauge>} */
    const gauges = {};
    for (let i = 1; i <= n; i++) {
        gauges[roundName(i)] = new Gauge(elapsedMetricName(i), true);
    }
    return {
        /** Call at the end of each iteration of a round scenario (other scenarios are ignored). */
        mark() {
            const gauge = gauges[exec.scenario.name];
            if (gauge) {
                gauge.add(Date.now() - exec.scenario.startTime);
            }
        },
    };
}

/**
 * @typedef {object} RoundRow
 * @property {number} round
 * @property {number} requests
 * @property {number} durationMs
 * @property {number} throughput - requests per second
 */

/**
 * @typedef {object} RoundStats
 * @property {RoundRow[]} rows
 * @property {number} mean - mean throughput (req/s) over the rounds
 * @property {number} stddev - sample standard deviation of the throughputs
 * @property {number} cv - coefficient of variation, stddev / mean
 * @property {number} totalRequests
 */

/**
 * Per-round throughput and its coefficient of variation, from normalized summary metrics.
 * Rounds with no data (e.g. cut by --duration) are left out.
 * @param {Record<string, {values: Record<string, number>}>} metrics
 * @param {number} n
 * @returns {RoundStats}
 */
export function roundStats(metrics, n) {
    /** @type {RoundRow[]} */
    const rows = [];
    for (let i = 1; i <= n; i++) {
        const reqs = metrics[`http_reqs{scenario:${roundName(i)}}`];
        const elapsed = metrics[elapsedMetricName(i)];
        const requests = reqs ? reqs.values.count || 0 : 0;
        const durationMs = elapsed ? elapsed.values.max || 0 : 0;
        if (requests > 0 && durationMs > 0) {
            rows.push({ round: i, requests, durationMs, throughput: requests / (durationMs / 1000) });
        }
    }
    const tps = rows.map((r) => r.throughput);
    const mean = tps.length ? tps.reduce((a, b) => a + b, 0) / tps.length : 0;
    const variance = tps.length > 1 ? tps.reduce((a, t) => a + (t - mean) * (t - mean), 0) / (tps.length - 1) : 0;
    const stddev = Math.sqrt(variance);
    return {
        rows,
        mean,
        stddev,
        cv: mean > 0 ? stddev / mean : 0,
        totalRequests: rows.reduce((a, r) => a + r.requests, 0),
    };
}
