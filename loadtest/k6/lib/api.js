// Thin wrappers around the service's HTTP routes. Every request carries two tags:
//   name - the route template (e.g. "GET /api/research/{id}"), so ids in URLs do not
//          create one time series per id;
//   kind - the latency class the thresholds use: "simple" (indexed reads), "write",
//          "complex" (snapshot), "seed" (setup data loading) or "meta" (health, metrics,
//          openapi). Thresholds select on it, e.g. 'http_req_duration{kind:simple}'.
import http from 'k6/http';
import { REQUEST_TIMEOUT, metricsHeaders, readHeaders, url, writeHeaders } from './config.js';

/** @typedef {'simple' | 'write' | 'complex' | 'seed' | 'meta'} Kind */

/**
 * @typedef {object} CallOptions
 * @property {Kind} [kind] - overrides the route's default latency class (e.g. 'seed' in setup())
 * @property {number[]} [expect] - statuses that count as success for http_req_failed (default 200-399)
 * @property {Record<string, string>} [headers] - extra request headers
 * @property {boolean} [noAuth] - leave out the Authorization header even when a token is set
 */

/**
 * @param {string} name
 * @param {Kind} kind
 * @param {CallOptions} [opts]
 * @param {boolean} [write]
 * @returns {import('k6/http').Params}
 */
function params(name, kind, opts, write) {
    /** @type {import('k6/http').Params} */
    const p = {
        headers: write ? writeHeaders(opts?.headers) : Object.assign(readHeaders(), opts?.headers || {}),
        tags: { name, kind: opts?.kind || kind },
        timeout: REQUEST_TIMEOUT,
    };
    if (opts?.noAuth && p.headers) {
        delete p.headers.Authorization;
    }
    if (opts?.expect) {
        p.responseCallback = http.expectedStatuses(...opts.expect);
    }
    return p;
}

/**
 * @param {unknown} body
 * @returns {string}
 */
function json(body) {
    return JSON.stringify(body);
}

// --- health & meta -------------------------------------------------------------------

/** @param {CallOptions} [opts] */
export const healthLive = (opts) => http.get(url('/health/live'), params('GET /health/live', 'meta', opts));
/** @param {CallOptions} [opts] */
export const healthReady = (opts) => http.get(url('/health/ready'), params('GET /health/ready', 'meta', opts));
/** @param {CallOptions} [opts] */
export const apiHealth = (opts) => http.get(url('/api/health'), params('GET /api/health', 'meta', opts));
/** @param {CallOptions} [opts] */
export const metrics = (opts) => {
    const p = params('GET /metrics', 'meta', opts);
    p.headers = Object.assign(metricsHeaders(), opts?.headers || {});
    if (opts?.noAuth) {
        delete p.headers.Authorization;
    }
    return http.get(url('/metrics'), p);
};
/** @param {CallOptions} [opts] */
export const openapi = (opts) => http.get(url('/openapi.json'), params('GET /openapi.json', 'meta', opts));

// --- instruments ---------------------------------------------------------------------

/** @param {CallOptions} [opts] */
export const listInstruments = (opts) =>
    http.get(url('/api/instruments'), params('GET /api/instruments', 'simple', opts));

/**
 * @param {string} symbol
 * @param {CallOptions} [opts]
 */
export const getInstrument = (symbol, opts) =>
    http.get(url(`/api/instruments/${encodeURIComponent(symbol)}`), params('GET /api/instruments/{symbol}', 'simple', opts));

/**
 * Upsert: 201 when created, 200 when it already existed.
 * @param {string} symbol
 * @param {{name: string, assetClass: string, currency: string}} body
 * @param {CallOptions} [opts]
 */
export const putInstrument = (symbol, body, opts) =>
    http.put(
        url(`/api/instruments/${encodeURIComponent(symbol)}`),
        json(body),
        params('PUT /api/instruments/{symbol}', 'write', opts, true),
    );

// --- market data ---------------------------------------------------------------------

/**
 * Upsert of up to 5000 bars on (symbol, ts).
 * @param {import('./data.js').Bar[]} bars
 * @param {CallOptions} [opts]
 */
export const postBars = (bars, opts) =>
    http.post(url('/api/market/bars'), json(bars), params('POST /api/market/bars', 'write', opts, true));

/**
 * @param {string} symbol
 * @param {{from?: string, to?: string, limit?: number}} [query]
 * @param {CallOptions} [opts]
 */
export const getBars = (symbol, query, opts) =>
    http.get(
        url(`/api/market/bars/${encodeURIComponent(symbol)}`, query),
        params('GET /api/market/bars/{symbol}', 'simple', opts),
    );

/** @param {CallOptions} [opts] */
export const snapshot = (opts) =>
    http.get(url('/api/market/snapshot'), params('GET /api/market/snapshot', 'complex', opts));

// --- research notes ------------------------------------------------------------------

/**
 * @param {import('./data.js').NoteBody} body
 * @param {CallOptions} [opts]
 */
export const createNote = (body, opts) =>
    http.post(url('/api/research'), json(body), params('POST /api/research', 'write', opts, true));

/**
 * @param {number} limit
 * @param {CallOptions} [opts]
 */
export const latestNotes = (limit, opts) =>
    http.get(url('/api/research/latest', { limit }), params('GET /api/research/latest', 'simple', opts));

/**
 * @param {string | number} id
 * @param {CallOptions} [opts]
 */
export const getNote = (id, opts) =>
    http.get(url(`/api/research/${encodeURIComponent(String(id))}`), params('GET /api/research/{id}', 'simple', opts));

/**
 * @param {{symbol?: string, model?: string, tag?: string, since?: string, limit?: number, cursor?: string | null}} query
 * @param {CallOptions} [opts]
 */
export const searchNotes = (query, opts) =>
    http.get(url('/api/research', query), params('GET /api/research', 'simple', opts));

// --- pitches -------------------------------------------------------------------------

/**
 * @param {import('./data.js').PitchBody} body
 * @param {CallOptions} [opts]
 */
export const createPitch = (body, opts) =>
    http.post(url('/api/pitches'), json(body), params('POST /api/pitches', 'write', opts, true));

/**
 * @param {string | number} id
 * @param {CallOptions} [opts]
 */
export const getPitch = (id, opts) =>
    http.get(url(`/api/pitches/${encodeURIComponent(String(id))}`), params('GET /api/pitches/{id}', 'simple', opts));

/**
 * @param {{status?: string, symbol?: string, limit?: number, cursor?: string | null}} query
 * @param {CallOptions} [opts]
 */
export const listPitches = (query, opts) =>
    http.get(url('/api/pitches', query), params('GET /api/pitches', 'simple', opts));

/**
 * Optimistic-locked status change: 200, 409 (stale version) or 422 (illegal transition).
 * @param {string | number} id
 * @param {string} status
 * @param {number} version
 * @param {CallOptions} [opts]
 */
export const patchPitchStatus = (id, status, version, opts) =>
    http.patch(
        url(`/api/pitches/${encodeURIComponent(String(id))}/status`),
        json({ status, version }),
        params('PATCH /api/pitches/{id}/status', 'write', opts, true),
    );

// --- trades & portfolio --------------------------------------------------------------

/**
 * @param {import('./data.js').TradeBody} body
 * @param {string} [idempotencyKey] - sent as the Idempotency-Key header when given
 * @param {CallOptions} [opts]
 */
export const createTrade = (body, idempotencyKey, opts) => {
    const o = Object.assign({}, opts);
    if (idempotencyKey) {
        o.headers = Object.assign({ 'Idempotency-Key': idempotencyKey }, opts?.headers || {});
    }
    return http.post(url('/api/trades'), json(body), params('POST /api/trades', 'write', o, true));
};

/** @param {CallOptions} [opts] */
export const positions = (opts) => http.get(url('/api/positions'), params('GET /api/positions', 'simple', opts));

/** @param {CallOptions} [opts] */
export const portfolioSummary = (opts) =>
    http.get(url('/api/portfolio/summary'), params('GET /api/portfolio/summary', 'complex', opts));
