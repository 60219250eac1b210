// A non-loopback BASE_URL is refused unless ALLOW_REMOTE=1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installGlobals } from './harness.js';

installGlobals({ BASE_URL: 'http://perf-target.example:8080' });

test('config refuses a remote BASE_URL without ALLOW_REMOTE=1', async () => {
    await assert.rejects(import('../lib/config.js'), /not a loopback address; set ALLOW_REMOTE=1/);
});
