// End-of-test output: summaryFor(name) returns a handleSummary() that writes
//   ${OUT_DIR}/${name}.json  - the summary data object k6 passes in, unchanged
//   ${OUT_DIR}/${name}.txt   - a plain-text summary (the same text goes to stdout)
// and, for round-based scripts, ${OUT_DIR}/${name}-rounds.json with per-round throughput.
//
// The text summary is written here rather than imported from jslib.k6.io so that the
// scripts run offline and type-check without a remote module. It reads both shapes of
// the summary data: the classic one (data.metrics as a map, data.state.testRunDurationMs)
// and the machine-readable one (data.results.metrics as an array, data.config.duration in
// seconds; k6 >= 1.5 with --new-machine-readable-summary, planned as the k6 v2 default).
// k6 does not create folders for summary files: create OUT_DIR first (see README).
import { OUT_DIR } from './config.js';
import { roundStats } from './rounds.js';

/** Trend statistics in the summary (p99 is not in k6's default set). */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'];

/**
 * @typedef {object} Metric
 * @property {string} type - counter | gauge | rate | trend
 * @property {string} contains - default | time | data
 * @property {Record<string, number>} values
 * @property {Record<string, {ok: boolean}>} [thresholds]
 */

/**
 * @typedef {object} Normalized
 * @property {Record<string, Metric>} metrics
 * @property {number} durationMs
 * @property {Array<{name: string, passes: number, fails: number}>} checks
 * @property {boolean | undefined} passed - overall verdict when the data states it
 */

/**
 * @typedef {object} SummaryOptions
 * @property {number} [rounds] - number of round_N scenarios to report throughput and CV for
 */

/**
 * @param {string} name - base name of the output files, e.g. "simple-reads"
 * @param {SummaryOptions} [opts]
 * @returns {(data: any) => Record<string, string>}
 */
export function summaryFor(name, opts) {
    return (data) => {
        const n = normalize(data);
        const lines = render(name, n);
        /** @type {Record<string, string>} */
        const out = {};
        if (opts?.rounds) {
            const stats = roundStats(n.metrics, opts.rounds);
            lines.push(...renderRounds(stats));
            out[`${OUT_DIR}/${name}-rounds.json`] = JSON.stringify(stats, null, 2) + '\n';
        }
        const text = lines.join('\n') + '\n';
        out[`${OUT_DIR}/${name}.json`] = JSON.stringify(data, null, 2) + '\n';
        out[`${OUT_DIR}/${name}.txt`] = text;
        out.stdout = '\n' + text;
        return out;
    };
}

/**
 * @param {any} data
 * @returns {Normalized}
 */
export function normalize(data) {
    /** @type {Record<string, Metric>} */
    const metrics = {};
    /** @type {Array<{name: string, passes: number, fails: number}>} */
    const checks = [];
    if (data && data.metrics && !Array.isArray(data.metrics)) {
        Object.assign(metrics, data.metrics);
        collectGroupChecks(data.root_group, checks);
        return { metrics, durationMs: num(data.state?.testRunDurationMs), checks, passed: undefined };
    }
    const results = data?.results || {};
    /** @type {any[]} */
    const list = [].concat(results.metrics || [], results.checks?.metrics || []);
    for (const m of list) {
        if (m && typeof m.name === 'string') {
            metrics[m.name] = { type: m.type, contains: m.contains, values: m.values || {} };
        }
    }
    for (const c of results.checks?.results || results.checks?.orderedChecks || []) {
        checks.push({ name: String(c.name), passes: num(c.passes), fails: num(c.fails) });
    }
    return {
        metrics,
        durationMs: num(data?.config?.duration) * 1000,
        checks,
        passed: typeof results.passed === 'boolean' ? results.passed : undefined,
    };
}

/**
 * @param {any} group
 * @param {Array<{name: string, passes: number, fails: number}>} out
 */
function collectGroupChecks(group, out) {
    if (!group) {
        return;
    }
    for (const c of group.checks || []) {
        out.push({ name: group.path ? `${group.path}::${c.name}` : String(c.name), passes: num(c.passes), fails: num(c.fails) });
    }
    for (const g of group.groups || []) {
        collectGroupChecks(g, out);
    }
}

/**
 * @param {unknown} v
 * @returns {number}
 */
function num(v) {
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * @param {string} name
 * @param {Normalized} n
 * @returns {string[]}
 */
function render(name, n) {
    const names = Object.keys(n.metrics).sort();
    const thresholdRows = [];
    let failedThresholds = 0;
    for (const metricName of names) {
        const m = n.metrics[metricName];
        for (const [expr, res] of Object.entries(m.thresholds || {})) {
            if (!res.ok) {
                failedThresholds++;
            }
            thresholdRows.push(`  ${res.ok ? 'PASS' : 'FAIL'}  ${metricName}  ${expr}  (${observed(m, expr)})`);
        }
    }
    const verdict =
        n.passed !== undefined
            ? n.passed
                ? 'PASSED'
                : 'FAILED'
            : thresholdRows.length
              ? failedThresholds === 0
                  ? 'PASSED'
                  : `FAILED (${failedThresholds} of ${thresholdRows.length} thresholds)`
              : 'no thresholds';

    const lines = [`== ${name}: ${verdict}, test run ${fmtMs(n.durationMs)} ==`, ''];
    if (thresholdRows.length) {
        lines.push('THRESHOLDS', ...thresholdRows, '');
    }
    if (n.checks.length) {
        lines.push('CHECKS');
        for (const c of n.checks) {
            const total = c.passes + c.fails;
            lines.push(`  ${c.fails === 0 ? 'ok  ' : 'FAIL'}  ${c.name}  ${c.passes}/${total}`);
        }
        lines.push('');
    }
    const width = Math.min(60, Math.max(20, ...names.map((s) => s.length)));
    /** @type {Record<string, string[]>} */
    const sections = { HTTP: [], EXECUTION: [], CUSTOM: [] };
    for (const metricName of names) {
        const section = metricName.startsWith('http_')
            ? 'HTTP'
            : /^(iteration|iterations|vus|vus_max|dropped_iterations|checks|data_)/.test(metricName)
              ? 'EXECUTION'
              : 'CUSTOM';
        sections[section].push(`  ${metricName.padEnd(width, '.')}: ${fmtValues(n.metrics[metricName])}`);
    }
    for (const [title, rows] of Object.entries(sections)) {
        if (rows.length) {
            lines.push(title, ...rows, '');
        }
    }
    return lines;
}

/**
 * The aggregate a threshold expression tests, e.g. "p(95)=12.3ms" for "p(95)<50".
 * @param {Metric} m
 * @param {string} expr
 * @returns {string}
 */
function observed(m, expr) {
    const match = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*[<>=!]/.exec(expr);
    if (!match || m.values[match[1]] === undefined) {
        return fmtValues(m);
    }
    const key = match[1];
    return `${key}=${fmtOne(m, key, m.values[key])}`;
}

/**
 * @param {Metric} m
 * @returns {string}
 */
function fmtValues(m) {
    const v = m.values || {};
    switch (m.type) {
        case 'counter':
            return `count=${fmtOne(m, 'count', v.count)} rate=${num(v.rate).toFixed(2)}/s`;
        case 'rate':
            return `${(num(v.rate) * 100).toFixed(2)}% (${num(v.passes)} true, ${num(v.fails)} false)`;
        case 'gauge':
            return `value=${fmtOne(m, 'value', v.value)} min=${fmtOne(m, 'min', v.min)} max=${fmtOne(m, 'max', v.max)}`;
        default:
            return Object.keys(v)
                .map((k) => `${k}=${fmtOne(m, k, v[k])}`)
                .join(' ');
    }
}

/**
 * @param {Metric} m
 * @param {string} key
 * @param {number | undefined} value
 * @returns {string}
 */
function fmtOne(m, key, value) {
    const v = num(value);
    if (key === 'count' || key === 'passes' || key === 'fails') {
        return m.contains === 'data' && key === 'count' ? fmtBytes(v) : String(v);
    }
    if (key === 'rate') {
        return m.type === 'rate' ? `${(v * 100).toFixed(2)}%` : v.toFixed(2);
    }
    if (m.contains === 'time') {
        return fmtMs(v);
    }
    if (m.contains === 'data') {
        return fmtBytes(v);
    }
    return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

/**
 * @param {number} ms
 * @returns {string}
 */
function fmtMs(ms) {
    if (ms >= 60000) {
        return `${Math.floor(ms / 60000)}m${((ms % 60000) / 1000).toFixed(1)}s`;
    }
    if (ms >= 1000) {
        return `${(ms / 1000).toFixed(2)}s`;
    }
    if (ms >= 1) {
        return `${ms.toFixed(2)}ms`;
    }
    return `${(ms * 1000).toFixed(0)}µs`;
}

/**
 * @param {number} b
 * @returns {string}
 */
function fmtBytes(b) {
    if (b >= 1e6) {
        return `${(b / 1e6).toFixed(1)} MB`;
    }
    if (b >= 1e3) {
        return `${(b / 1e3).toFixed(1)} kB`;
    }
    return `${b} B`;
}

/**
 * @param {import('./rounds.js').RoundStats} s
 * @returns {string[]}
 */
function renderRounds(s) {
    if (s.rows.length === 0) {
        return ['ROUNDS', '  no round data (did the round scenarios run?)', ''];
    }
    const lines = ['ROUNDS (throughput = requests / round wall-clock time)'];
    for (const r of s.rows) {
        lines.push(
            `  round ${r.round}: ${r.requests} requests in ${fmtMs(r.durationMs)} -> ${r.throughput.toFixed(1)} req/s`,
        );
    }
    lines.push(
        `  mean ${s.mean.toFixed(1)} req/s, sample stddev ${s.stddev.toFixed(1)} req/s, ` +
            `CV ${(s.cv * 100).toFixed(1)}% over ${s.rows.length} rounds (${s.totalRequests} requests)`,
        '',
    );
    return lines;
}
