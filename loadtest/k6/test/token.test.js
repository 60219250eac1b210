// With API_TOKEN set, every request but /metrics carries `Authorization: Bearer <token>`, reads
// included (the server's API_AUTH=all); /metrics carries METRICS_TOKEN when that is set (own
// process: lib/config.js reads __ENV once per process).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClean, installGlobals, runScript } from './harness.js';
import { state } from './k6/state.js';

installGlobals({ API_TOKEN: 's3cret', METRICS_TOKEN: 'scrape', INSTRUMENTS: '5', NOTES: '10', DAYS: '3' });

test('smoke.js passes against a server that requires the token, including the 401 probes on a read and a write', async () => {
    await runScript('smoke.js', { token: 's3cret', metricsToken: 'scrape' });
    assertClean();
    for (const probe of ['POST /api/pitches without token -> 401|403', 'GET /api/positions without token -> 401|403']) {
        const c = state.checks.get(probe);
        assert.ok(c && c.passes === 1 && c.fails === 0, probe);
    }
    const scrape = state.requests.filter((r) => r.url.endsWith('/metrics'));
    assert.equal(scrape.length, 1);
    assert.equal(scrape[0].headers.Authorization, 'Bearer scrape');
});

test('every request of a load script carries the bearer token, reads included', async () => {
    await runScript('mixed.js', { token: 's3cret', metricsToken: 'scrape', iterations: 100 });
    assertClean();
    assert.ok(state.requests.some((r) => r.method === 'GET' && r.url.includes('/api/')), 'reads were sent');
    for (const r of state.requests) {
        assert.equal(r.headers.Authorization, 'Bearer s3cret', `${r.method} ${r.url}`);
    }
});
