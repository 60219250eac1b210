// Shared state of the k6 stand-ins: what the scripts did, for the tests to assert on.
export const state = {
    /** @type {Array<{method: string, url: string, body: any, headers: Record<string, string>, tags: Record<string, string>, status: number, expected: boolean}>} */
    requests: [],
    /** @type {Map<string, {passes: number, fails: number}>} */
    checks: new Map(),
    /** @type {Map<string, number[]>} */
    samples: new Map(),
    /** @type {(req: {method: string, url: string, body: string | null, headers: Record<string, string>}) => {status: number, body: string, headers?: Record<string, string>}} */
    handler: () => ({ status: 503, body: '{"error":"no_handler","message":"no fake server"}' }),
    /** @type {{name: string, executor: string, startTime: number, progress: number, iterationInInstance: number, iterationInTest: number, tags?: Record<string, string>}} */
    scenario: { name: 'default', executor: 'per-vu-iterations', startTime: Date.now(), progress: 0, iterationInInstance: 0, iterationInTest: 0, tags: {} },
    aborted: /** @type {string | null} */ (null),
};

export function reset() {
    state.requests.length = 0;
    state.checks.clear();
    // metrics are registered once at module init: keep them, drop their samples
    for (const values of state.samples.values()) values.length = 0;
    state.aborted = null;
    // setup() runs outside every scenario: its samples carry no scenario tags
    state.scenario = { name: '', executor: '', startTime: Date.now(), progress: 0, iterationInInstance: 0, iterationInTest: 0, tags: {} };
}
