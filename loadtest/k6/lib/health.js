// Fail-fast readiness gate for setup(): no point loading a server that is not ready.
import exec from 'k6/execution';
import { healthReady } from './api.js';
import { BASE_URL } from './config.js';

/**
 * GET /health/ready and abort the whole test (k6 exit code 108) unless it answers 200.
 * Call it first thing in every script's setup().
 */
export function assertReady() {
    const res = healthReady();
    if (res.status !== 200) {
        const why = res.status === 0 ? res.error || 'no response' : `HTTP ${res.status} ${truncate(res.body)}`;
        const message = `${BASE_URL}/health/ready is not ready (${why}); start the server or fix BASE_URL`;
        exec.test.abort(message);
        // abort() does not return; the throw keeps control flow explicit for readers and tsc.
        throw new Error(message);
    }
}

/**
 * @param {unknown} b
 * @returns {string}
 */
function truncate(b) {
    const s = typeof b === 'string' ? b : '';
    return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
