// Pass/fail criteria. A failed threshold makes `k6 run` exit non-zero (99).
//
// Every threshold selects the measured requests only: each load script runs a warm-up
// scenario first (tag phase:warmup, see lib/profiles.js withWarmup), then its measured
// scenarios (tag phase:measure), and the thresholds are on sub-metrics such as
// 'http_req_duration{kind:simple,phase:measure}'. Requests of the warm-up, of setup()
// seeding (kind "seed") and health probes (kind "meta") never count against them.
//
// Two kinds of numbers, both enforced:
//   - the reference report's targets, hard: avg < 100 ms simple, < 200 ms writes,
//     < 500 ms complex; zero failed requests; checks pass (rate > 0.999);
//   - our tail limits per script (p95, p99), set from what the scripts' own scenarios
//     measure on the 2-core machine this project is built on, where the load generator
//     shares the cores with the server and PostgreSQL (k6 with 100 VUs takes a large part
//     of one core): `./bench --k6-thresholds` runs them with the Java runner while a CPU
//     hog takes one core's share, against a fresh server per script.
//
// Where each tail limit comes from (ms, measured requests after the warm-up; worst of two
// runs of the Java runner + CPU hog on 2026-11-30, load average 10 to 26: the full-length
// one and one at --scale 0.2; limit = about 1.5 x that, rounded up):
//   script          class     measured p95 / p99       limit p95 / p99
//   simple-reads    simple    174 / 251                250 / 400
//   point-reads     simple    138 / 202                200 / 300
//   writes          write     274 / 398                400 / 700  (p99: k6 measured up to 686, issue #10)
//   complex         complex   184 / 269 (*)            500 / 800  (k6 measured p95 1450 before V3, issue #10)
//   exhaustion      simple    125 / 179                1000 / 2000 (bounded queueing at 4x the pool)
//                   write     202 / 290                1000 / 2000
//   sustained       simple    76 / 80 (worst round)    250 / 400 (bursts of 100, as simple-reads)
//   sustained-rate  simple    22 / 81                  100 / 250 (open model: a stall queues up)
//   mixed           simple    22 / 65                  100 / 250
//                   write     53 / 126                 150 / 300
//                   complex   66 / 143                 500 / 800
//                   trade_flow 167 (p95)               500
//   smoke           one request each, cold: the limits kept from before (50/100, 100/200, 300/500).
// (*) complex: worst of two full-length runs after migration V3 (the snapshot kept in market_snapshot
// instead of computed per read; before it, 877 / 1181 and an average of 498-571 ms against the
// report's 500); the limits are those of mixed.js's complex class, about 3x what was measured.
// The report's averages stay hard.
// Details and the runs: loadtest/README.md "Thresholds", docs/benchmark.md.
//
// The numbers are in LIMITS below, written as strict JSON between the two marker lines:
// the Java benchmark (loadtest/src/main/java/io/tradingdesk/loadtest/K6Limits.java) reads
// that text to judge its own runs of the same scenarios (`./bench --k6-thresholds`), so
// this block is the one place where a limit is changed. Keep it JSON: quoted keys, no
// comments, no trailing commas (test/thresholds.test.js checks it).

/** @typedef {'simple' | 'write' | 'complex'} LatencyClass */

/**
 * @typedef {object} Limits
 * @property {Record<LatencyClass, {avg: number}>} report - the reference report's averages (ms)
 * @property {number} checks - the least share of passing checks
 * @property {Record<string, Record<string, {p95: number, p99?: number}>>} tail - per script, per class (ms)
 */

/** @type {Limits} */
// limits:begin
export const LIMITS = {
    "report": {
        "simple": { "avg": 100 },
        "write": { "avg": 200 },
        "complex": { "avg": 500 }
    },
    "checks": 0.999,
    "tail": {
        "smoke": {
            "simple": { "p95": 50, "p99": 100 },
            "write": { "p95": 100, "p99": 200 },
            "complex": { "p95": 300, "p99": 500 }
        },
        "simple-reads": { "simple": { "p95": 250, "p99": 400 } },
        "point-reads": { "simple": { "p95": 200, "p99": 300 } },
        "writes": { "write": { "p95": 400, "p99": 700 } },
        "complex": { "complex": { "p95": 500, "p99": 800 } },
        "exhaustion": {
            "simple": { "p95": 1000, "p99": 2000 },
            "write": { "p95": 1000, "p99": 2000 }
        },
        "sustained": { "simple": { "p95": 250, "p99": 400 } },
        "sustained-rate": { "simple": { "p95": 100, "p99": 250 } },
        "mixed": {
            "simple": { "p95": 100, "p99": 250 },
            "write": { "p95": 150, "p99": 300 },
            "complex": { "p95": 500, "p99": 800 },
            "trade_flow": { "p95": 500 }
        }
    }
};
// limits:end

/** The tag selector of the measured requests; the warm-up's are tagged phase:warmup. */
export const MEASURED = 'phase:measure';

/**
 * The metric restricted to the measured requests:
 * 'http_req_duration{kind:simple}' -> 'http_req_duration{kind:simple,phase:measure}'.
 * @param {string} metric
 * @returns {string}
 */
export function measured(metric) {
    const open = metric.indexOf('{');
    return open < 0 ? `${metric}{${MEASURED}}` : `${metric.slice(0, -1)},${MEASURED}}`;
}

/**
 * The tail limits of a script's request class.
 * @param {string} script - e.g. 'simple-reads'
 * @param {string} cls - e.g. 'simple', or 'trade_flow' for mixed.js
 * @returns {{p95: number, p99?: number}}
 */
export function tail(script, cls) {
    const t = LIMITS.tail[script] && LIMITS.tail[script][cls];
    if (!t) {
        throw new Error(`no tail limits for ${script} / ${cls} in lib/thresholds.js`);
    }
    return t;
}

/**
 * Percentile expressions of a script's class: ['p(95)<..', 'p(99)<..'].
 * @param {string} script
 * @param {string} cls
 * @returns {string[]}
 */
export function percentiles(script, cls) {
    const t = tail(script, cls);
    return t.p99 === undefined ? [`p(95)<${t.p95}`] : [`p(95)<${t.p95}`, `p(99)<${t.p99}`];
}

/**
 * The latency threshold expressions of a script's class: the report's average, then our p95/p99.
 * @param {string} script
 * @param {LatencyClass} cls
 * @returns {string[]}
 */
export function latency(script, cls) {
    return [`avg<${LIMITS.report[cls].avg}`, ...percentiles(script, cls)];
}

/**
 * Thresholds every script has, on its measured requests: no failed request, (almost) every check passes.
 * @returns {Record<string, string[]>}
 */
export function base() {
    return {
        [measured('http_req_failed')]: ['rate==0'],
        [measured('checks')]: [`rate>${LIMITS.checks}`],
    };
}

/**
 * Latency thresholds per request class of the measured requests,
 * e.g. 'http_req_duration{kind:simple,phase:measure}': ['avg<100', 'p(95)<250', 'p(99)<400'].
 * @param {string} script
 * @param {LatencyClass[]} classes
 * @returns {Record<string, string[]>}
 */
export function byKind(script, classes) {
    /** @type {Record<string, string[]>} */
    const out = {};
    for (const cls of classes) {
        out[measured(`http_req_duration{kind:${cls}}`)] = latency(script, cls);
    }
    return out;
}

/**
 * Per-scenario thresholds of measured scenarios: latency of the class, zero failures, and
 * the least number of requests the scenario must have made. The http_reqs sub-metric also
 * makes k6 report each scenario's request count in the summary data.
 * @param {string[]} scenarios - measured scenario names, e.g. ['round_1', 'round_2']
 * @param {string} script
 * @param {LatencyClass} cls
 * @param {number} [minRequests]
 * @returns {Record<string, string[]>}
 */
export function byScenario(scenarios, script, cls, minRequests) {
    /** @type {Record<string, string[]>} */
    const out = {};
    for (const name of scenarios) {
        out[`http_req_duration{scenario:${name}}`] = latency(script, cls);
        out[`http_req_failed{scenario:${name}}`] = ['rate==0'];
        out[`http_reqs{scenario:${name}}`] = [`count>=${minRequests || 1}`];
    }
    return out;
}

/**
 * Merges threshold maps (later maps add expressions to earlier ones for the same metric).
 * @param {...Record<string, string[]>} maps
 * @returns {Record<string, string[]>}
 */
export function merge(...maps) {
    /** @type {Record<string, string[]>} */
    const out = {};
    for (const m of maps) {
        for (const [metric, exprs] of Object.entries(m)) {
            out[metric] = (out[metric] || []).concat(exprs.filter((e) => !(out[metric] || []).includes(e)));
        }
    }
    return out;
}
