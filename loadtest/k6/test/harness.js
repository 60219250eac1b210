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

// k6's threshold grammar (metrics/thresholds_parser.go):
//   assertion -> aggregation_method whitespace* operator whitespace* float
// with the aggregation methods each metric type accepts.
const THRESHOLD_EXPR = /^(avg|min|max|med|count|rate|value|p\((\d+(\.\d+)?)\)) *(<=|<|>=|>|===|==|!=) *(\d+(\.\d+)?)$/;
const METHODS = {
    trend: ['avg', 'min', 'max', 'med', 'p'],
    rate: ['rate'],
    counter: ['count', 'rate'],
    gauge: ['value'],
};
// k6's built-in metrics by type, and the custom ones the scripts create (k6/metrics).
const METRIC_TYPES = {
    http_req_duration: 'trend',
    http_req_failed: 'rate',
    http_reqs: 'counter',
    checks: 'rate',
    dropped_iterations: 'counter',
    iterations: 'counter',
    pool_exhausted_503: 'counter',
    trade_flow_duration: 'trend',
    trades_executed: 'counter',
};
// metric_name{tag_key:tag_value,...} (metrics.ParseMetricName)
const THRESHOLD_METRIC = /^([a-z_][a-z0-9_]*)(\{([a-z_]+:[^{}:,]+(,[a-z_]+:[^{}:,]+)*)\})?$/;
const EXECUTORS = ['shared-iterations', 'per-vu-iterations', 'constant-vus', 'ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate'];
const DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

/**
 * Parses a threshold key the way k6 does: 'http_req_duration{kind:simple,phase:measure}'.
 * @param {string} key
 * @returns {{name: string, tags: Record<string, string>}}
 */
export function parseMetric(key) {
    const m = THRESHOLD_METRIC.exec(key);
    assert.ok(m, `threshold metric ${key}`);
    const tags = {};
    for (const pair of m[3] ? m[3].split(',') : []) {
        const [k, v] = pair.split(':');
        tags[k] = v;
    }
    return { name: m[1], tags };
}

/**
 * Parses a threshold expression as k6 does and checks that its aggregation fits the metric's type.
 * @param {string} metric - metric name without tags
 * @param {string} expr
 * @returns {{method: string, percentile?: number, op: string, value: number}}
 */
export function parseThreshold(metric, expr) {
    const m = THRESHOLD_EXPR.exec(expr);
    assert.ok(m, `${metric}: '${expr}' is not a k6 threshold expression`);
    const method = m[1].startsWith('p(') ? 'p' : m[1];
    const type = METRIC_TYPES[metric];
    assert.ok(type, `${metric}: unknown metric (add it to METRIC_TYPES)`);
    assert.ok(METHODS[type].includes(method), `${metric} is a ${type}: '${expr}' uses ${m[1]}`);
    return { method, percentile: m[2] === undefined ? undefined : Number(m[2]), op: m[4], value: Number(m[5]) };
}

/** Milliseconds of a k6 duration string. */
export function ms(d) {
    const unit = { ms: 1, s: 1000, m: 60000, h: 3600000 };
    let total = 0;
    for (const [, n, u] of d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * unit[u];
    return total;
}

/**
 * Structural checks of `options` that k6 itself would reject at start-up, plus this project's rule:
 * every threshold selects measured requests (tag phase:measure, or a scenario tagged so).
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
            if (s[key] !== undefined) assert.match(s[key], DURATION, `${name}.${key}=${s[key]}`);
        }
        if (s.executor === 'constant-arrival-rate') assert.ok(s.duration && s.preAllocatedVUs, `${name}: arrival-rate fields`);
        if (s.executor === 'ramping-vus') assert.ok(Array.isArray(s.stages) && s.stages.length > 0, `${name}: stages`);
        assert.ok(s.tags && ['warmup', 'measure'].includes(s.tags.phase), `${name}: tagged phase:warmup or phase:measure`);
    }
    assert.ok(options.thresholds && Object.keys(options.thresholds).length > 0, 'thresholds');
    const measuredScenarios = Object.keys(options.scenarios).filter((n) => options.scenarios[n].tags.phase === 'measure');
    assert.ok(measuredScenarios.length > 0, 'a measured scenario');
    for (const [key, exprs] of Object.entries(options.thresholds)) {
        const { name, tags } = parseMetric(key);
        assert.ok(
            tags.phase === 'measure' || measuredScenarios.includes(tags.scenario),
            `${key}: a threshold must select the measured requests (phase:measure or a measured scenario)`,
        );
        assert.ok(Array.isArray(exprs) && exprs.length > 0, `${key}: expressions`);
        for (const e of exprs) parseThreshold(name, typeof e === 'string' ? e : e.threshold);
    }
    const keys = Object.keys(options.thresholds).map(parseMetric);
    for (const m of ['http_req_failed', 'checks']) assert.ok(keys.some((k) => k.name === m), `threshold on ${m}`);
    assert.ok(
        Object.entries(options.thresholds).some(([k, v]) => k.startsWith('http_req_duration') && v.some((e) => e.startsWith('p('))),
        'a latency percentile threshold',
    );
}

/**
 * The warm-up rules: a scenario named "warmup" tagged phase:warmup that starts at once, and every
 * measured scenario starting after the warm-up and its graceful stop are over.
 * @param {any} options
 */
export function assertWarmupFirst(options) {
    const w = options.scenarios.warmup;
    assert.ok(w, 'a warm-up scenario');
    assert.equal(w.tags.phase, 'warmup');
    assert.ok(w.startTime === undefined || ms(w.startTime) === 0, 'the warm-up starts first');
    assert.ok(w.duration && ms(w.duration) > 0, 'the warm-up has a length');
    const end = ms(w.duration) + ms(w.gracefulStop || '30s');
    for (const [name, s] of Object.entries(options.scenarios)) {
        if (name === 'warmup') continue;
        assert.equal(s.tags.phase, 'measure', `${name} is measured`);
        assert.ok(ms(s.startTime || '0s') >= end, `${name} starts after the warm-up (${s.startTime} >= ${end}ms)`);
    }
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
        const fn = mod[scenario.exec || 'default'];
        assert.equal(typeof fn, 'function', `${name}: exec ${scenario.exec || 'default'} is exported`);
        state.scenario = { name, executor: scenario.executor, startTime: Date.now(), progress: 0, iterationInInstance: 0, iterationInTest: 0, tags: scenario.tags || {} };
        for (let i = 0; i < count; i++) {
            state.scenario.iterationInTest = iteration++;
            globalThis.__ITER = i;
            fn(data);
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
            const type = METRIC_TYPES[parseMetric(key).name];
            metrics[key] = { type, contains: type === 'trend' ? 'time' : 'default', values: { avg: 3, 'p(95)': 5, 'p(99)': 9, rate: 0, count: 0, passes: 0, fails: 1 } };
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
