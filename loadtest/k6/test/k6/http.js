// Stand-in for k6/http: synchronous requests answered by state.handler (the fake server).
import { state } from './state.js';

function send(method, url, body, params) {
    const p = params || {};
    const headers = Object.assign({}, p.headers || {});
    const req = { method, url, body: body === undefined ? null : body, headers };
    const res = state.handler(req);
    const expectedFn = p.responseCallback || ((s) => s >= 200 && s < 400);
    const record = {
        method,
        url,
        body: body ? JSON.parse(body) : null,
        headers,
        // k6 adds the scenario's tags to every sample of its iterations; request tags go on top.
        tags: Object.assign({}, state.scenario.tags || {}, p.tags || {}),
        scenario: state.scenario.name,
        status: res.status,
        expected: expectedFn(res.status),
    };
    state.requests.push(record);
    return {
        status: res.status,
        body: res.body,
        headers: res.headers || {},
        error: '',
        error_code: 0,
        url,
        timings: { duration: 1, waiting: 1, blocked: 0, connecting: 0, sending: 0, receiving: 0, tls_handshaking: 0 },
        json: () => JSON.parse(res.body),
    };
}

export const get = (url, params) => send('GET', url, null, params);
export const head = (url, params) => send('HEAD', url, null, params);
export const post = (url, body, params) => send('POST', url, body, params);
export const put = (url, body, params) => send('PUT', url, body, params);
export const patch = (url, body, params) => send('PATCH', url, body, params);
export const del = (url, body, params) => send('DELETE', url, body, params);
export const request = (method, url, body, params) => send(method, url, body, params);

export function batch(requests) {
    return requests.map((r) => send(r.method, r.url, r.body, r.params));
}

export function expectedStatuses(...codes) {
    return (s) => codes.some((c) => (typeof c === 'number' ? c === s : s >= c.min && s <= c.max));
}

export default { get, head, post, put, patch, del, request, batch, expectedStatuses };
