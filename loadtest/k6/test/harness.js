// Runs a k6 script's lifecycle (init -> setup -> iterations -> handleSummary) in Node
// against the in-memory fake server, with the k6 modules replaced by ./k6/ stand-ins.
import assert from 'node:assert/strict';
import { createFakeServer } from './fake-server.js';
import { reset, state } from './k6/state.js';

/**
 * Must run before the first script import: lib/config.js reads __ENV once.
 * @param {Record<string, string>} env
 */
export function installGlobals(env) {
    globalThis.__ENV = Object.assign({}, env);
    globalThis.__VU = 1;
    globalThis.__ITER = 0;
}

const THRESHOLD_EXPR = /^(avg|min|max|med|count|rate|value|p\(\d+(\.\d+)?\))\s*(<|<=|>|>=|==|===|!=)\s*\d+(\.\d+)?$/;
const THRESHOLD_METRIC = /^[a-z_][a-z0-9_]*(\{[a-z_]+:[^{}:]+\})?$/;
const EXECUTORS = ['shared-iterations', 'per-vu-iterations', 'constant-vus', 'ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate'];

/**
 * Structural checks of `options` that k6 itself would reject at start-up.
 * @param {any} options
 */
export function validateOptions(options) {
    assert.ok(options && typeof options.scenarios === 'object', 'options.scenarios');
    for (const [name, s] of Object.entries(options.scenarios)) {
        assert.match(name, /^[a-z0-9_-]+$/i, `scenario name ${name}`);
        assert.ok(EXECUTORS.includes(s.executor), `${name}: executor ${s.executor}`);
        for (const key of ['vus', 'iterations', 'rate', 'preAllocatedVUs', 'maxVUs']) {
            if (s[key] !== undefined) assert.ok(Number.isInteger(s[key]) && s[key] > 0, `${name}.${key}=${s[key]}`);
        }
        for (const key of ['duration', 'maxDuration', 'startTime', 'gracefulStop', 'gracefulRampDown']) {
            if (s[key] !== undefined) assert.match(s[key], /^(\d+(\.\d+)?(ms|s|m|h))+$/, `${name}.${key}=${s[key]}`);
        }
        if (s.executor === 'constant-arrival-rate') assert.ok(s.duration && s.preAllocatedVUs, `${name}: arrival-rate fields`);
        if (s.executor === 'ramping-vus') assert.ok(Array.isArray(s.stages) && s.stages.length > 0, `${name}: stages`);
    }
    assert.ok(options.thresholds && Object.keys(options.thresholds).length > 0, 'thresholds');
    for (const [metric, exprs] of Object.entries(options.thresholds)) {
        assert.match(metric, THRESHOLD_METRIC, `threshold metric ${metric}`);
        for (const e of exprs) assert.match(typeof e === 'string' ? e : e.threshold, THRESHOLD_EXPR, `${metric}: ${e}`);
    }
    for (const m of ['http_req_failed', 'checks']) assert.ok(options.thresholds[m], `threshold on ${m}`);
    assert.ok(
        Object.keys(options.thresholds).some((k) => k.startsWith('http_req_duration') && options.thresholds[k].some((e) => e.startsWith('p('))),
        'a latency percentile threshold',
    );
}

/**
 * @param {string} script - file name in loadtest/k6/, e.g. "writes.js"
 * @param {{iterations?: number, token?: string, metricsToken?: string, handler?: (req: any) => any}} [opts]
 */
export async function runScript(script, opts = {}) {
    reset();
    const server = createFakeServer({ token: opts.token, metricsToken: opts.metricsToken });
    state.handler = opts.handler || server.handle;
    const mod = await import(new URL(`../${script}`, import.meta.url).href);
    validateOptions(mod.options);
    assert.equal(typeof mod.setup, 'function', 'setup() exported');
    assert.equal(typeof mod.default, 'function', 'default function exported');
    assert.equal(typeof mod.handleSummary, 'function', 'handleSummary exported');

    const data = mod.setup();
    const setupRequests = state.requests.length;
    assert.equal(state.requests[0].url.endsWith('/health/ready'), true, 'setup() starts with the readiness probe');

    let iteration = 0;
    for (const [name, scenario] of Object.entries(mod.options.scenarios)) {
        const count = opts.iterations || Math.min(scenario.iterations || 25, 25);
        state.scenario = { name, executor: scenario.executor, startTime: Date.now(), progress: 0, iterationInInstance: 0, iterationInTest: 0 };
        for (let i = 0; i < count; i++) {
            state.scenario.iterationInTest = iteration++;
            globalThis.__ITER = i;
            mod.default(data);
        }
    }
    return { mod, server, data, setupRequests };
}

/**
 * Asserts that every check passed and every request got an expected status.
 */
export function assertClean() {
    const failed = [...state.checks.entries()].filter(([, c]) => c.fails > 0);
    assert.deepEqual(failed, [], 'no failed checks');
    const unexpected = state.requests.filter((r) => !r.expected).map((r) => `${r.method} ${r.url} -> ${r.status}`);
    assert.deepEqual(unexpected, [], 'no failed requests');
    for (const r of state.requests) {
        assert.ok(r.tags.name && r.tags.kind, `${r.method} ${r.url} is tagged with name and kind`);
    }
}

/**
 * A classic-shape summary object (data.metrics map) built from what the run recorded, with
 * every threshold of `options` marked as passed.
 * @param {any} options
 */
export function fakeSummary(options) {
    const metrics = {};
    const count = (pred) => state.requests.filter(pred).length;
    metrics.http_reqs = { type: 'counter', contains: 'default', values: { count: state.requests.length, rate: 10 } };
    metrics.http_req_duration = { type: 'trend', contains: 'time', values: { avg: 3.2, min: 0.5, med: 2.9, max: 40.1, 'p(90)': 6, 'p(95)': 8.5, 'p(99)': 20.25, count: state.requests.length } };
    metrics.http_req_failed = { type: 'rate', contains: 'default', values: { rate: 0, passes: 0, fails: state.requests.length } };
    metrics.checks = { type: 'rate', contains: 'default', values: { rate: 1, passes: 10, fails: 0 } };
    metrics.data_received = { type: 'counter', contains: 'data', values: { count: 123456, rate: 1000 } };
    for (const [key, exprs] of Object.entries(options.thresholds)) {
        const m = /^http_reqs\{scenario:(.+)\}$/.exec(key);
        if (m) {
            metrics[key] = { type: 'counter', contains: 'default', values: { count: count((r) => r.scenario === m[1]) || 10, rate: 1 } };
        } else if (!metrics[key]) {
            metrics[key] = { type: key.startsWith('http_req_duration') || key.endsWith('_duration') ? 'trend' : key.startsWith('http_req_failed') || key === 'checks' ? 'rate' : 'counter', contains: key.includes('duration') ? 'time' : 'default', values: { avg: 3, 'p(95)': 5, 'p(99)': 9, rate: 0, count: 0, passes: 0, fails: 1 } };
        }
        metrics[key].thresholds = Object.fromEntries(exprs.map((e) => [e, { ok: true }]));
    }
    for (const [name, values] of state.samples) {
        if (values.length && !metrics[name]) {
            metrics[name] = { type: 'gauge', contains: 'time', values: { value: values[values.length - 1], min: Math.min(...values), max: Math.max(...values) } };
        }
    }
    const checks = [...state.checks.entries()].map(([name, c]) => ({ name, path: `::${name}`, passes: c.passes, fails: c.fails }));
    return { root_group: { name: '', path: '', groups: [], checks }, options: {}, state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 12345.6 }, metrics };
}
