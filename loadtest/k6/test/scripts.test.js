// Runs every k6 script against the in-memory fake server (no token configured).
// `npm test` = `node --import ./test/register.js --test test/*.test.js`
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClean, fakeSummary, installGlobals, runScript } from './harness.js';
import { state } from './k6/state.js';

installGlobals({
    INSTRUMENTS: '12',
    DAYS: '5',
    NOTES: '30',
    BARS_CHUNK: '7',
    SEED_BATCH: '4',
    ROUND_REQUESTS: '10',
    OUT_DIR: 'out/dir',
});

const SCRIPTS = ['smoke', 'simple-reads', 'point-reads', 'writes', 'complex', 'exhaustion', 'sustained', 'sustained-rate', 'mixed'];

for (const name of SCRIPTS) {
    test(`${name}.js runs clean and writes its summary files`, async () => {
        const { mod } = await runScript(`${name}.js`, { iterations: name === 'mixed' ? 400 : undefined });
        assertClean();
        assert.ok(state.requests.length > 0);
        const out = mod.handleSummary(fakeSummary(mod.options));
        assert.deepEqual(
            Object.keys(out).filter((k) => !k.endsWith('-rounds.json')).sort(),
            [`out/dir/${name}.json`, `out/dir/${name}.txt`, 'stdout'].sort(),
        );
        assert.equal(out.stdout.trim(), out[`out/dir/${name}.txt`].trim());
        assert.match(out.stdout, new RegExp(`== ${name}: PASSED`));
        assert.match(out.stdout, /THRESHOLDS/);
        JSON.parse(out[`out/dir/${name}.json`]);
    });
}

test('setup() seeds idempotently: a second run adds no instruments or bars', async () => {
    const { server, mod } = await runScript('complex.js', { iterations: 1 });
    const instruments = server.instruments.size;
    const bars = [...server.bars.values()].reduce((a, m) => a + m.size, 0);
    mod.setup();
    assert.equal(server.instruments.size, instruments);
    assert.equal([...server.bars.values()].reduce((a, m) => a + m.size, 0), bars);
    assert.equal(instruments, 12);
    assert.equal(bars, 12 * 5);
    const posts = state.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/api/market/bars'));
    assert.ok(posts.every((r) => r.body.length <= 7), 'bars are posted in chunks of at most BARS_CHUNK');
});

test('point-reads setup() reuses existing notes before creating more', async () => {
    const { server, mod, data } = await runScript('point-reads.js', { iterations: 1 });
    assert.equal(data.ids.length, 30);
    const before = server.notes.length;
    const again = mod.setup();
    assert.equal(server.notes.length, before, 'no new notes when enough exist');
    assert.deepEqual(new Set(again.ids), new Set(data.ids));
});

test('mixed.js runs the whole trade flow', async () => {
    const { server } = await runScript('mixed.js', { iterations: 300 });
    assertClean();
    assert.ok(server.trades.length > 0, 'some trades were executed');
    assert.ok(state.samples.get('trade_flow_duration').length === server.trades.length);
    const replays = state.checks.get('POST /api/trades (idempotent replay) -> 200|201');
    assert.ok(replays && replays.passes === server.trades.length);
});

test('sustained.js reports per-round throughput and CV', async () => {
    const { mod } = await runScript('sustained.js');
    const summary = fakeSummary(mod.options);
    // Make the rounds deterministic: 10 requests in 100, 125, 80, 100, 95 ms.
    [100, 125, 80, 100, 95].forEach((ms, i) => {
        summary.metrics[`round_${i + 1}_elapsed_ms`] = { type: 'gauge', contains: 'time', values: { value: ms, min: 1, max: ms } };
    });
    const out = mod.handleSummary(summary);
    const rounds = JSON.parse(out['out/dir/sustained-rounds.json']);
    assert.equal(rounds.rows.length, 5);
    assert.deepEqual(rounds.rows.map((r) => r.requests), [10, 10, 10, 10, 10]);
    assert.deepEqual(rounds.rows.map((r) => Math.round(r.throughput)), [100, 80, 125, 100, 105]);
    const tps = [100, 80, 125, 100, 1000 / 9.5];
    const mean = tps.reduce((a, b) => a + b) / 5;
    const sd = Math.sqrt(tps.reduce((a, t) => a + (t - mean) ** 2, 0) / 4);
    assert.ok(Math.abs(rounds.cv - sd / mean) < 1e-9);
    assert.match(out.stdout, /round 3: 10 requests in 80\.00ms -> 125\.0 req\/s/);
    assert.match(out.stdout, /CV \d+\.\d% over 5 rounds/);
});

test('sustained.js rounds are sequential, non-overlapping scenarios after the warm-up', async () => {
    const { mod } = await runScript('sustained.js', { iterations: 1 });
    const s = Object.entries(mod.options.scenarios);
    assert.deepEqual(s.map(([n]) => n), ['warmup', 'round_1', 'round_2', 'round_3', 'round_4', 'round_5']);
    const ms = (d) => Number(/^(\d+)ms$/.exec(d)[1]);
    s.slice(1).forEach(([, sc], i) => {
        assert.equal(sc.executor, 'shared-iterations');
        assert.equal(sc.iterations, 10);
        assert.equal(ms(sc.startTime), 30000 + 2000 + i * 10000);
        assert.ok(ms(sc.maxDuration) + ms(sc.gracefulStop) <= 10000);
    });
    for (const n of ['round_1', 'round_5']) {
        assert.ok(mod.options.thresholds[`http_req_duration{scenario:${n}}`]);
        assert.deepEqual(mod.options.thresholds[`http_reqs{scenario:${n}}`], ['count>=10']);
    }
});

test('summary also reads the machine-readable (v2) summary shape', async () => {
    const { summaryFor } = await import('../lib/summary.js');
    const out = summaryFor('shape')({
        version: '1.0.0',
        metadata: { generatedAt: '2025-01-15T10:30:45.123Z', k6Version: '2.3.0' },
        config: { execution: 'local', duration: 61.5 },
        results: {
            passed: false,
            metrics: [
                { name: 'http_reqs', type: 'counter', contains: 'default', category: 'http', values: { count: 1500, rate: 24.79 } },
                { name: 'http_req_duration', type: 'trend', contains: 'time', category: 'http', values: { avg: 245.67, 'p(95)': 421.32, count: 1500 } },
            ],
            checks: { metrics: [], results: [{ name: 'status is 200', passes: 1470, fails: 30 }] },
        },
    });
    assert.match(out.stdout, /== shape: FAILED, test run 1m1\.5s ==/);
    assert.match(out.stdout, /FAIL {2}status is 200 {2}1470\/1500/);
    assert.match(out.stdout, /http_req_duration\.*: avg=245\.67ms p\(95\)=421\.32ms count=1500/);
});

test('setup() aborts the test when /health/ready is not 200', async () => {
    await assert.rejects(
        runScript('writes.js', { handler: () => ({ status: 503, body: '{"error":"starting","message":"warming up"}' }) }),
        /not ready \(HTTP 503/,
    );
    assert.match(state.aborted || '', /health\/ready is not ready/);
});

test('reads never send Authorization and writes send JSON without it when no token is set', async () => {
    await runScript('writes.js', { iterations: 3 });
    for (const r of state.requests) {
        assert.equal(r.headers.Authorization, undefined);
        if (r.method !== 'GET') assert.equal(r.headers['Content-Type'], 'application/json');
    }
});
