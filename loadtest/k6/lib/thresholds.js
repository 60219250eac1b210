// Pass/fail criteria. A failed threshold makes `k6 run` exit non-zero (99).
//
// The report's targets (averages):
//   simple reads  avg < 100 ms   (indexed SELECTs: latest notes, note by id, bars, lists)
//   writes        avg < 200 ms   (POST/PUT/PATCH)
//   complex       avg < 500 ms   (market snapshot, portfolio summary)
//   zero failed requests; checks pass.
// Our own, tighter tail goals (an average hides the tail):
//   simple reads  p95 < 50 ms,  p99 < 100 ms
//   writes        p95 < 100 ms, p99 < 200 ms
//   complex       p95 < 300 ms, p99 < 500 ms
// Both sets are enforced. Latency thresholds select requests by the `kind` tag (see
// lib/api.js), so setup() seeding (kind "seed") and health probes (kind "meta") never
// count against them; per-scenario thresholds use the built-in `scenario` tag.

/** @typedef {'simple' | 'write' | 'complex'} LatencyClass */

/** @type {Record<LatencyClass, {avg: number, p95: number, p99: number}>} */
export const LATENCY_MS = {
    simple: { avg: 100, p95: 50, p99: 100 },
    write: { avg: 200, p95: 100, p99: 200 },
    complex: { avg: 500, p95: 300, p99: 500 },
};

/**
 * The latency threshold expressions for a class: report average + our p95/p99.
 * @param {LatencyClass} cls
 * @returns {string[]}
 */
export function latency(cls) {
    const t = LATENCY_MS[cls];
    return [`avg<${t.avg}`, `p(95)<${t.p95}`, `p(99)<${t.p99}`];
}

/**
 * Thresholds every script has: no failed request, (almost) every check passes.
 * @returns {Record<string, string[]>}
 */
export function base() {
    return {
        http_req_failed: ['rate==0'],
        checks: ['rate>0.999'],
    };
}

/**
 * Latency thresholds per request class, e.g. 'http_req_duration{kind:simple}'.
 * @param {LatencyClass[]} classes
 * @returns {Record<string, string[]>}
 */
export function byKind(classes) {
    /** @type {Record<string, string[]>} */
    const out = {};
    for (const cls of classes) {
        out[`http_req_duration{kind:${cls}}`] = latency(cls);
    }
    return out;
}

/**
 * Per-scenario thresholds: latency of the class, zero failures, and (optionally) the
 * minimum number of requests the scenario must have made. The http_reqs sub-metric also
 * makes k6 report each scenario's request count in the summary data.
 * @param {string[]} scenarios - scenario names, e.g. ['round_1', 'round_2']
 * @param {LatencyClass} cls
 * @param {number} [minRequests]
 * @returns {Record<string, string[]>}
 */
export function byScenario(scenarios, cls, minRequests) {
    /** @type {Record<string, string[]>} */
    const out = {};
    for (const name of scenarios) {
        out[`http_req_duration{scenario:${name}}`] = latency(cls);
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
