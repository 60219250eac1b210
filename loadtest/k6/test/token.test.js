// With API_TOKEN set, mutating requests carry `Authorization: Bearer <token>` (own process:
// lib/config.js reads __ENV once per process).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClean, installGlobals, runScript } from './harness.js';
import { state } from './k6/state.js';

installGlobals({ API_TOKEN: 's3cret', INSTRUMENTS: '5', NOTES: '10', DAYS: '3' });

test('smoke.js passes against a server that requires the token, including the 401 probe', async () => {
    await runScript('smoke.js', { token: 's3cret' });
    assertClean();
    const unauth = state.checks.get('POST /api/pitches without token -> 401|403');
    assert.ok(unauth && unauth.passes === 1 && unauth.fails === 0);
});

test('only mutating requests carry the bearer token', async () => {
    await runScript('mixed.js', { token: 's3cret', iterations: 100 });
    assertClean();
    for (const r of state.requests) {
        if (r.method === 'GET') {
            assert.equal(r.headers.Authorization, undefined, `${r.method} ${r.url}`);
        } else if (!r.url.endsWith('/api/pitches') || r.headers.Authorization !== undefined) {
            assert.equal(r.headers.Authorization, 'Bearer s3cret', `${r.method} ${r.url}`);
        }
    }
});
