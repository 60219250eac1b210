// The thresholds' structure, checked on every script's options as k6 would load them: a
// warm-up scenario before the measured ones, every threshold on the measured requests, every
// expression a valid k6 threshold; and the LIMITS block that the Java benchmark reads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { assertClean, assertWarmupFirst, installGlobals, parseMetric, parseThreshold, runScript, validateOptions } from './harness.js';
import { state } from './k6/state.js';

installGlobals({ INSTRUMENTS: '12', DAYS: '5', NOTES: '30', ROUND_REQUESTS: '10', OUT_DIR: 'out/dir' });

const LOAD_SCRIPTS = ['simple-reads', 'point-reads', 'writes', 'complex', 'exhaustion', 'sustained', 'sustained-rate', 'mixed'];

for (const name of LOAD_SCRIPTS) {
    test(`${name}.js warms up first and judges only the measured requests`, async () => {
        const { options } = await import(`../${name}.js`);
        validateOptions(options);
        assertWarmupFirst(options);
        const measuredNames = Object.keys(options.scenarios).filter((n) => n !== 'warmup');
        for (const key of Object.keys(options.thresholds)) {
            const { tags } = parseMetric(key);
            assert.ok(tags.phase === 'measure' || measuredNames.includes(tags.scenario), key);
            assert.notEqual(tags.phase, 'warmup', key);
            assert.ok(tags.scenario !== 'warmup', key);
        }
    });
}

test('smoke.js has no warm-up; its one scenario is the measured one', async () => {
    const { options } = await import('../smoke.js');
    validateOptions(options);
    assert.deepEqual(Object.keys(options.scenarios), ['smoke']);
    assert.equal(options.scenarios.smoke.tags.phase, 'measure');
});

test('every load script keeps the report targets as hard thresholds on its measured requests', async () => {
    const { LIMITS } = await import('../lib/thresholds.js');
    for (const name of LOAD_SCRIPTS) {
        const { options } = await import(`../${name}.js`);
        assert.deepEqual(options.thresholds['http_req_failed{phase:measure}'], ['rate==0'], name);
        assert.deepEqual(options.thresholds['checks{phase:measure}'], [`rate>${LIMITS.checks}`], name);
        for (const cls of ['simple', 'write', 'complex']) {
            const exprs = options.thresholds[`http_req_duration{kind:${cls},phase:measure}`];
            if (exprs && name !== 'exhaustion') {
                assert.equal(exprs[0], `avg<${LIMITS.report[cls].avg}`, `${name} ${cls}`);
                assert.ok(exprs.some((e) => e.startsWith('p(95)<')), `${name} ${cls} p95`);
            }
        }
    }
    assert.deepEqual(LIMITS.report, { simple: { avg: 100 }, write: { avg: 200 }, complex: { avg: 500 } });
});

test('the warm-up requests carry phase:warmup and the measured ones phase:measure', async () => {
    await runScript('simple-reads.js', { iterations: 3 });
    assertClean();
    const byPhase = (p) => state.requests.filter((r) => r.tags.phase === p && r.tags.kind === 'simple');
    assert.equal(byPhase('warmup').length, 3);
    assert.equal(byPhase('measure').length, 3);
    const setup = state.requests.filter((r) => r.tags.kind === 'seed' || r.tags.kind === 'meta');
    assert.ok(setup.length > 0 && setup.every((r) => r.tags.phase === undefined), 'setup() requests carry no phase');
});

test('mixed.js warms up with its own exported warmup() (the mix without think time)', async () => {
    const { mod } = await runScript('mixed.js', { iterations: 40 });
    assertClean();
    assert.equal(mod.options.scenarios.warmup.exec, 'warmup');
    assert.equal(typeof mod.warmup, 'function');
    assert.ok(state.requests.some((r) => r.tags.phase === 'warmup'));
});

test('WARMUP=0s leaves the warm-up out and starts the measured scenario at once', async () => {
    const { withWarmup, steady } = await import('../lib/profiles.js');
    globalThis.__ENV.WARMUP = '0s';
    try {
        const s = withWarmup({ x: steady(10, '5s') }, 10);
        assert.deepEqual(Object.keys(s), ['x']);
        assert.equal(s.x.startTime, '0ms');
        assert.equal(s.x.tags.phase, 'measure');
    } finally {
        delete globalThis.__ENV.WARMUP;
    }
});

test('the threshold grammar rejects what k6 rejects', () => {
    assert.throws(() => parseThreshold('http_req_duration', 'p95<50'));
    assert.throws(() => parseThreshold('http_req_duration', 'rate<0.1'), /is a trend/);
    assert.throws(() => parseThreshold('http_req_failed', 'p(95)<1'), /is a rate/);
    assert.throws(() => parseThreshold('dropped_iterations', 'avg<1'), /is a counter/);
    assert.throws(() => parseThreshold('http_req_duration', 'avg < fifty'));
    assert.deepEqual(parseThreshold('http_req_duration', 'p(99.9) <= 250'), { method: 'p', percentile: 99.9, op: '<=', value: 250 });
    assert.throws(() => parseMetric('http_req_duration{kind:simple'));
    assert.deepEqual(parseMetric('http_req_duration{kind:simple,phase:measure}'), {
        name: 'http_req_duration',
        tags: { kind: 'simple', phase: 'measure' },
    });
});

test('LIMITS is written as strict JSON between the markers, as the Java benchmark reads it', async () => {
    const { LIMITS } = await import('../lib/thresholds.js');
    const text = readFileSync(new URL('../lib/thresholds.js', import.meta.url), 'utf8');
    const block = /\/\/ limits:begin\nexport const LIMITS = (\{[\s\S]*?\n\});\n\/\/ limits:end\n/.exec(text);
    assert.ok(block, 'the block between // limits:begin and // limits:end');
    assert.deepEqual(JSON.parse(block[1]), LIMITS);
    for (const [script, classes] of Object.entries(LIMITS.tail)) {
        for (const [cls, t] of Object.entries(classes)) {
            assert.ok(t.p95 > 0 && (t.p99 === undefined || t.p99 >= t.p95), `${script} ${cls}: 0 < p95 <= p99`);
        }
    }
});
