// Run-time configuration, read once per VU from the environment (`k6 run -e NAME=value`
// or exported shell variables). Every knob has a default so that `k6 run <script>.js`
// works against a local server with no flags.

/** Base URL of the service under test, without a trailing slash. */
export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');

/**
 * The server's API_TOKEN, sent as `Authorization: Bearer <token>` on every request but /metrics (with a token
 * the server wants it on reads too); empty when the server runs without one.
 */
export const API_TOKEN = __ENV.API_TOKEN || '';

/** The server's METRICS_TOKEN, sent on /metrics only; empty when /metrics is open. */
export const METRICS_TOKEN = __ENV.METRICS_TOKEN || '';

/** Folder for the handleSummary() output files (relative to the working directory). */
export const OUT_DIR = (__ENV.OUT_DIR || 'results').replace(/\/+$/, '') || '.';

/** Request timeout for every call (k6 default is 60s; a stuck server should fail faster). */
export const REQUEST_TIMEOUT = envDuration('REQUEST_TIMEOUT', '30s');

assertTargetAllowed(BASE_URL);

/**
 * Load tests are aimed at a server on this machine unless the operator opts in:
 * a typo in BASE_URL must not point 200 VUs at somebody else's host.
 * @param {string} base
 */
function assertTargetAllowed(base) {
    const m = /^https?:\/\/(\[[^\]]+\]|[^/:?#]+)/i.exec(base);
    if (!m) {
        throw new Error(`BASE_URL must be an http(s) URL, got "${base}"`);
    }
    const host = m[1].toLowerCase();
    const loopback = host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
    if (!loopback && __ENV.ALLOW_REMOTE !== '1') {
        throw new Error(
            `BASE_URL host "${host}" is not a loopback address; set ALLOW_REMOTE=1 to load-test a remote host on purpose`,
        );
    }
}

/**
 * A positive integer from the environment, or the default.
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function envInt(name, fallback) {
    const raw = __ENV[name];
    if (raw === undefined || raw === '') {
        return fallback;
    }
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
        throw new Error(`${name} must be a positive integer, got "${raw}"`);
    }
    return value;
}

/**
 * A positive number from the environment, or the default.
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function envNumber(name, fallback) {
    const raw = __ENV[name];
    if (raw === undefined || raw === '') {
        return fallback;
    }
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
        throw new Error(`${name} must be a positive number, got "${raw}"`);
    }
    return value;
}

/**
 * A k6 duration string ("30s", "2m", "1m30s", "500ms", "1h") from the environment, or the default.
 * @param {string} name
 * @param {string} fallback
 * @returns {string}
 */
export function envDuration(name, fallback) {
    const raw = __ENV[name];
    if (raw === undefined || raw === '') {
        return fallback;
    }
    if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(raw)) {
        throw new Error(`${name} must be a duration such as 30s, 2m or 1m30s, got "${raw}"`);
    }
    return raw;
}

/**
 * Milliseconds in a k6 duration string ("1m30s" -> 90000).
 * @param {string} duration
 * @returns {number}
 */
export function durationMs(duration) {
    /** @type {Record<string, number>} */
    const unit = { ms: 1, s: 1000, m: 60000, h: 3600000 };
    let total = 0;
    const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
    let m;
    while ((m = re.exec(duration)) !== null) {
        total += Number(m[1]) * unit[m[2]];
    }
    return Math.round(total);
}

/**
 * Absolute URL for an API path, with an optional query string (undefined/null/'' values are skipped).
 * @param {string} path - starts with "/"
 * @param {Record<string, string | number | boolean | null | undefined>} [query]
 * @returns {string}
 */
export function url(path, query) {
    const parts = [];
    for (const [key, value] of Object.entries(query || {})) {
        if (value !== undefined && value !== null && value !== '') {
            parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
        }
    }
    return parts.length ? `${BASE_URL}${path}?${parts.join('&')}` : `${BASE_URL}${path}`;
}

/**
 * Headers for a read (GET) request, plus `Authorization: Bearer <API_TOKEN>` when a token is set.
 * @returns {Record<string, string>}
 */
export function readHeaders() {
    /** @type {Record<string, string>} */
    const headers = { Accept: 'application/json' };
    if (API_TOKEN) {
        headers.Authorization = `Bearer ${API_TOKEN}`;
    }
    return headers;
}

/**
 * Headers for GET /metrics: its own token (METRICS_TOKEN) when set, never API_TOKEN.
 * @returns {Record<string, string>}
 */
export function metricsHeaders() {
    /** @type {Record<string, string>} */
    const headers = { Accept: '*/*' };
    if (METRICS_TOKEN) {
        headers.Authorization = `Bearer ${METRICS_TOKEN}`;
    }
    return headers;
}

/**
 * Headers for a mutating request: JSON body, plus `Authorization: Bearer <API_TOKEN>` when a token is set.
 * @param {Record<string, string>} [extra]
 * @returns {Record<string, string>}
 */
export function writeHeaders(extra) {
    /** @type {Record<string, string>} */
    const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
    if (API_TOKEN) {
        headers.Authorization = `Bearer ${API_TOKEN}`;
    }
    return Object.assign(headers, extra || {});
}
