// Connection-pool exhaustion: 200 concurrent clients against a server whose database pool
// has 50 connections (4x oversubscribed). Requests must queue for a connection, not fail:
// the pass criterion is zero failed requests and no 503 (pool exhausted + Retry-After).
// Each iteration does one request, rotating through a point read, the latest-notes read,
// a bars range read and a pitch write, so reads and writes compete for the same pool.
//
// A warm-up (WARMUP, default 30s, tagged phase:warmup) runs first; the thresholds judge only
// the measured scenario after it (phase:measure).
//
//   k6 run exhaustion.js                                 # 200 VUs for 30s after the warm-up
//   k6 run -e VUS=400 -e DURATION=1m exhaustion.js       # 8x a pool of 50
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { createPitch, getBars, getNote, latestNotes } from './lib/api.js';
import { expectJson, hasFields, hasItems } from './lib/checks.js';
import { envInt } from './lib/config.js';
import { ensureNotes, pick, pitchBody, seedUniverse } from './lib/data.js';
import { assertReady } from './lib/health.js';
import { steady, withWarmup } from './lib/profiles.js';
import { SUMMARY_TREND_STATS, summaryFor } from './lib/summary.js';
import { base, measured, merge, percentiles } from './lib/thresholds.js';

const poolExhausted = new Counter('pool_exhausted_503');

/** @type {import('k6/options').Options} */
export const options = {
    scenarios: withWarmup({ exhaustion: steady(200, '30s') }, envInt('VUS', 200)),
    thresholds: merge(base(), {
        [measured('pool_exhausted_503')]: ['count==0'],
        // 4x oversubscription queues requests, so the normal latency targets do not apply;
        // what is required is that the queueing stays bounded.
        [measured('http_req_duration{kind:simple}')]: percentiles('exhaustion', 'simple'),
        [measured('http_req_duration{kind:write}')]: percentiles('exhaustion', 'write'),
    }),
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: '5m',
};

/**
 * @typedef {{symbols: string[], ids: Array<string | number>}} Data
 */

/**
 * @returns {Data}
 */
export function setup() {
    assertReady();
    const symbols = seedUniverse(envInt('INSTRUMENTS', 50), envInt('DAYS', 30));
    return { symbols, ids: ensureNotes(envInt('NOTES', 500), symbols) };
}

/**
 * @param {Data} data
 */
export default function (data) {
    let res;
    switch (exec.scenario.iterationInTest % 4) {
        case 0:
            res = getNote(pick(data.ids));
            expectJson(res, 'GET /api/research/{id}', 200, (b) => hasFields(b, ['id', 'symbol']));
            break;
        case 1:
            res = latestNotes(10);
            expectJson(res, 'GET /api/research/latest', 200, (b) => hasItems(b));
            break;
        case 2:
            res = getBars(pick(data.symbols), { limit: 30 });
            expectJson(res, 'GET /api/market/bars/{symbol}', 200, (b) => hasItems(b));
            break;
        default:
            res = createPitch(pitchBody(pick(data.symbols)));
            expectJson(res, 'POST /api/pitches', 201, (b) => hasFields(b, ['id', 'version']));
    }
    if (res.status === 503) {
        poolExhausted.add(1);
    }
}

export const handleSummary = summaryFor('exhaustion');
