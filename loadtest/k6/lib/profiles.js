// Load profiles: functions that return k6 scenario objects for options.scenarios.
// Script defaults are the arguments; the environment overrides them at run time:
//   VUS, ITERATIONS, DURATION, WARMUP, RATE, PRE_VUS, MAX_VUS, ROUNDS, ROUND_REQUESTS,
//   ROUND_SPACING, RAMP_UP, RAMP_DOWN, MAX_DURATION.
// The Java benchmark drives the same shapes (loadtest/.../K6Script.java), and a test
// (K6ScriptTest) compares them with these scripts' options as Node evaluates them.
import { durationMs, envDuration, envInt } from './config.js';

/** Tags of the warm-up scenario's samples; no threshold selects them. */
export const WARMUP_TAGS = Object.freeze({ phase: 'warmup' });
/** Tags of the measured scenarios' samples; every threshold selects them (lib/thresholds.js). */
export const MEASURE_TAGS = Object.freeze({ phase: 'measure' });
/** The warm-up's gracefulStop, and the pause before the measured scenarios start: VUs are reused, not doubled. */
export const WARMUP_GRACE_MS = 2000;

/**
 * N concurrent clients for a fixed time, each sending its next request as soon as the
 * previous one answered (constant-vus): the report's "100 concurrent requests", held long
 * enough that one stall of the machine does not decide a percentile.
 * @param {number} vus - default concurrency (env VUS)
 * @param {string} duration - default length (env DURATION)
 * @returns {import('k6/options').ConstantVUsScenario}
 */
export function steady(vus, duration) {
    return {
        executor: 'constant-vus',
        vus: envInt('VUS', vus),
        duration: envDuration('DURATION', duration),
        gracefulStop: '30s',
    };
}

/**
 * The warm-up's length: env WARMUP, default 30s; "0s" leaves the warm-up out (the benchmark
 * warms the server itself before it runs a script).
 * @param {string} [fallback]
 * @returns {number} milliseconds
 */
export function warmupMs(fallback) {
    return durationMs(envDuration('WARMUP', fallback || '30s'));
}

/**
 * A script's scenarios behind a warm-up: first `warmup`, `vus` clients for WARMUP (default
 * 30s) running `exec` (default: the default function) as fast as they can, tagged
 * phase:warmup; then the measured scenarios, tagged phase:measure, each started
 * WARMUP + 2s later than it would have started alone. A server started just before the
 * script has by then compiled its hot paths (JIT), opened its pool and warmed its caches,
 * and the thresholds, which select phase:measure, never see the cold requests.
 * @param {Record<string, import('k6/options').Scenario>} measuredScenarios
 * @param {number} vus - warm-up clients
 * @param {string} [exec] - exported function the warm-up runs
 * @returns {Record<string, import('k6/options').Scenario>}
 */
export function withWarmup(measuredScenarios, vus, exec) {
    const warm = warmupMs();
    /** @type {Record<string, import('k6/options').Scenario>} */
    const out = {};
    if (warm > 0) {
        /** @type {import('k6/options').ConstantVUsScenario} */
        const w = {
            executor: 'constant-vus',
            vus,
            duration: `${warm}ms`,
            gracefulStop: `${WARMUP_GRACE_MS}ms`,
            tags: Object.assign({}, WARMUP_TAGS),
        };
        if (exec) {
            w.exec = exec;
        }
        out.warmup = w;
    }
    const offset = warm > 0 ? warm + WARMUP_GRACE_MS : 0;
    for (const [name, s] of Object.entries(measuredScenarios)) {
        const start = durationMs(s.startTime || '0s') + offset;
        out[name] = Object.assign({}, s, {
            startTime: `${start}ms`,
            tags: Object.assign({}, s.tags || {}, MEASURE_TAGS),
        });
    }
    return out;
}

/**
 * Scenario name of round i (1-based).
 * @param {number} i
 * @returns {string}
 */
export function roundName(i) {
    return `round_${i}`;
}

/**
 * @typedef {object} RoundPlan
 * @property {number} count - number of rounds
 * @property {number} requests - iterations per round
 * @property {number} vus - concurrency per round
 * @property {number} spacingMs - time between round starts
 * @property {string[]} names - scenario names round_1..round_count
 * @property {Record<string, import('k6/options').SharedIterationsScenario>} scenarios
 */

/**
 * `n` sequential rounds of `requests` iterations each, shared by `vus` clients
 * (shared-iterations), as scenarios round_1..round_n started `spacing` apart.
 * A round that has not finished within its slot is cut (maxDuration + gracefulStop fit in
 * the slot), so rounds never overlap.
 * @param {number} n - default number of rounds (env ROUNDS)
 * @param {number} vus - default concurrency per round (env VUS)
 * @param {number} requests - default iterations per round (env ROUND_REQUESTS)
 * @param {string} spacing - default time between round starts (env ROUND_SPACING), e.g. "10s"
 * @param {string} [exec] - exported function the rounds run (default: the default export)
 * @returns {RoundPlan}
 */
export function roundPlan(n, vus, requests, spacing, exec) {
    const count = envInt('ROUNDS', n);
    const perRound = envInt('ROUND_REQUESTS', requests);
    const clients = Math.min(envInt('VUS', vus), perRound);
    const slot = durationMs(envDuration('ROUND_SPACING', spacing));
    if (slot < 1000) {
        throw new Error('ROUND_SPACING must be at least 1s');
    }
    const graceful = Math.min(2000, Math.floor(slot / 5));
    /** @type {Record<string, import('k6/options').SharedIterationsScenario>} */
    const scenarios = {};
    const names = [];
    for (let i = 1; i <= count; i++) {
        /** @type {import('k6/options').SharedIterationsScenario} */
        const s = {
            executor: 'shared-iterations',
            vus: clients,
            iterations: perRound,
            startTime: `${(i - 1) * slot}ms`,
            maxDuration: `${slot - graceful}ms`,
            gracefulStop: `${graceful}ms`,
        };
        if (exec) {
            s.exec = exec;
        }
        names.push(roundName(i));
        scenarios[roundName(i)] = s;
    }
    return { count, requests: perRound, vus: clients, spacingMs: slot, names, scenarios };
}

/**
 * The scenarios of roundPlan(): `n` sequential rounds of `requests` requests by `vus` clients.
 * @param {number} n
 * @param {number} vus
 * @param {number} [requests]
 * @param {string} [spacing]
 * @returns {Record<string, import('k6/options').SharedIterationsScenario>}
 */
export function rounds(n, vus, requests, spacing) {
    return roundPlan(n, vus, requests || 100, spacing || '10s').scenarios;
}

/**
 * Open model: `rate` iterations per second for `duration`, whatever the response times
 * (constant-arrival-rate). If the VU pool runs dry k6 drops iterations (dropped_iterations).
 * @param {number} rate - default iterations per second (env RATE)
 * @param {string} duration - default duration (env DURATION)
 * @param {number} preAllocatedVUs - default (env PRE_VUS)
 * @param {number} maxVUs - default (env MAX_VUS)
 * @returns {import('k6/options').ConstantArrivalRateScenario}
 */
export function constantRate(rate, duration, preAllocatedVUs, maxVUs) {
    const pre = envInt('PRE_VUS', preAllocatedVUs);
    return {
        executor: 'constant-arrival-rate',
        rate: envInt('RATE', rate),
        timeUnit: '1s',
        duration: envDuration('DURATION', duration),
        preAllocatedVUs: pre,
        maxVUs: Math.max(pre, envInt('MAX_VUS', maxVUs)),
        gracefulStop: '30s',
    };
}

/**
 * Closed model soak: ramp up to `vus`, hold for `duration`, ramp down (ramping-vus).
 * @param {number} vus - default plateau (env VUS)
 * @param {string} duration - default plateau length (env DURATION)
 * @param {string} [rampUp] - default ramp-up (env RAMP_UP)
 * @param {string} [rampDown] - default ramp-down (env RAMP_DOWN)
 * @returns {import('k6/options').RampingVUsScenario}
 */
export function soak(vus, duration, rampUp, rampDown) {
    const target = envInt('VUS', vus);
    return {
        executor: 'ramping-vus',
        startVUs: 0,
        stages: [
            { duration: envDuration('RAMP_UP', rampUp || '1m'), target },
            { duration: envDuration('DURATION', duration), target },
            { duration: envDuration('RAMP_DOWN', rampDown || '30s'), target: 0 },
        ],
        gracefulRampDown: '30s',
        gracefulStop: '30s',
    };
}

/**
 * A fixed small amount of work: `vus` clients share `iterations` iterations (smoke tests).
 * @param {number} vus
 * @param {number} iterations
 * @returns {import('k6/options').SharedIterationsScenario}
 */
export function once(vus, iterations) {
    return {
        executor: 'shared-iterations',
        vus: envInt('VUS', vus),
        iterations: envInt('ITERATIONS', iterations),
        maxDuration: envDuration('MAX_DURATION', '2m'),
    };
}
