// Mixed soak: a realistic traffic mix held for DURATION (default 10m) by VUS clients
// (default 50) with think time between actions:
//   70% reads   - latest notes, note by id, bars range, pitch list
//   15% writes  - new research note or new pitch
//   10% complex - market snapshot
//    5% trade flow - create pitch -> PATCH status approved (with version) ->
//                    POST /api/trades with an Idempotency-Key -> replay the same key
//                    (must return the same trade) -> pitch is now executed
//
// A warm-up (WARMUP, default 30s, tagged phase:warmup) runs the same mix without think time
// first; the thresholds judge only the soak after it (phase:measure).
//
//   k6 run mixed.js
//   k6 run -e VUS=100 -e DURATION=1h -e THINK_TIME=0.5 mixed.js
import { sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import {
    createNote,
    createPitch,
    createTrade,
    getBars,
    getNote,
    getPitch,
    latestNotes,
    listPitches,
    patchPitchStatus,
    snapshot,
} from './lib/api.js';
import { expectJson, hasFields, hasItems } from './lib/checks.js';
import { envInt, envNumber } from './lib/config.js';
import { ensureNotes, noteBody, pick, pitchBody, seedUniverse, tradeBody, uuid } from './lib/data.js';
import { assertReady } from './lib/health.js';
import { soak, withWarmup } from './lib/profiles.js';
import { SUMMARY_TREND_STATS, summaryFor } from './lib/summary.js';
import { base, byKind, measured, merge, percentiles } from './lib/thresholds.js';

const THINK_TIME = envNumber('THINK_TIME', 1); // max seconds of think time after each action

const tradeFlowDuration = new Trend('trade_flow_duration', true);
const tradesExecuted = new Counter('trades_executed');

/** @type {import('k6/options').Options} */
export const options = {
    scenarios: withWarmup({ mixed: soak(50, '10m', '1m', '30s') }, envInt('VUS', 50), 'warmup'),
    thresholds: merge(base(), byKind('mixed', ['simple', 'write', 'complex']), {
        // four sequential writes and two reads, one after the other.
        [measured('trade_flow_duration')]: percentiles('mixed', 'trade_flow'),
    }),
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: '10m',
};

/**
 * @typedef {{symbols: string[], ids: Array<string | number>}} Data
 */

/**
 * @returns {Data}
 */
export function setup() {
    assertReady();
    const symbols = seedUniverse(envInt('INSTRUMENTS', 200), envInt('DAYS', 90));
    return { symbols, ids: ensureNotes(envInt('NOTES', 1000), symbols) };
}

/**
 * @param {Data} data
 */
export default function (data) {
    action(data);
    sleep(Math.random() * THINK_TIME);
}

/**
 * The warm-up: the same mix, without think time, so that every route is compiled and cached.
 * @param {Data} data
 */
export function warmup(data) {
    action(data);
}

/**
 * One action of the mix.
 * @param {Data} data
 */
function action(data) {
    const dice = Math.random() * 100;
    if (dice < 70) {
        read(data);
    } else if (dice < 85) {
        write(data);
    } else if (dice < 95) {
        expectJson(snapshot(), 'GET /api/market/snapshot', 200, (b) => hasItems(b));
    } else {
        tradeFlow(data);
    }
}

/**
 * @param {Data} data
 */
function read(data) {
    const dice = Math.random() * 70;
    if (dice < 25) {
        expectJson(latestNotes(10), 'GET /api/research/latest', 200, (b) => hasItems(b));
    } else if (dice < 50) {
        expectJson(getNote(pick(data.ids)), 'GET /api/research/{id}', 200, (b) => hasFields(b, ['id', 'symbol']));
    } else if (dice < 60) {
        expectJson(getBars(pick(data.symbols), { limit: 30 }), 'GET /api/market/bars/{symbol}', 200, (b) => hasItems(b));
    } else {
        expectJson(listPitches({ limit: 20 }), 'GET /api/pitches', 200, (b) => hasItems(b));
    }
}

/**
 * @param {Data} data
 */
function write(data) {
    const symbol = pick(data.symbols);
    if (Math.random() < 0.5) {
        expectJson(createNote(noteBody(symbol)), 'POST /api/research', 201, (b) => hasFields(b, ['id', 'createdAt']));
    } else {
        expectJson(createPitch(pitchBody(symbol)), 'POST /api/pitches', 201, (b) => hasFields(b, ['id', 'version']));
    }
}

/**
 * create pitch -> approve (optimistic version) -> trade with Idempotency-Key -> replay -> executed.
 * Stops at the first failed step (its check has already recorded the failure).
 * @param {Data} data
 */
function tradeFlow(data) {
    const started = Date.now();
    const pitch = pitchBody(pick(data.symbols), 'buy', [pick(data.ids)]);
    const created = expectJson(createPitch(pitch), 'POST /api/pitches', 201, (b) =>
        hasFields(b, ['id', 'version']) && b.status === 'draft',
    );
    if (!created) {
        return;
    }
    const approved = expectJson(
        patchPitchStatus(created.id, 'approved', created.version),
        'PATCH /api/pitches/{id}/status',
        200,
        (b) => b.status === 'approved' && typeof b.version === 'number' && b.version !== created.version,
    );
    if (!approved) {
        return;
    }
    const key = uuid();
    const order = tradeBody(created.id, pitch.entryPrice);
    const trade = expectJson(createTrade(order, key), 'POST /api/trades', 201, (b) =>
        hasFields(b, ['id']) && (b.pitchId === undefined || String(b.pitchId) === String(created.id)),
    );
    if (!trade) {
        return;
    }
    expectJson(
        createTrade(order, key),
        'POST /api/trades (idempotent replay)',
        [200, 201],
        (b) => hasFields(b, ['id']) && String(b.id) === String(trade.id),
    );
    expectJson(getPitch(created.id), 'GET /api/pitches/{id}', 200, (b) => b.status === 'executed');
    tradesExecuted.add(1);
    tradeFlowDuration.add(Date.now() - started);
}

export const handleSummary = summaryFor('mixed');
