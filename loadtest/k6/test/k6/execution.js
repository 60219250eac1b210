// Stand-in for k6/execution.
import { state } from './state.js';

const execution = {
    get scenario() {
        return state.scenario;
    },
    test: {
        abort(msg) {
            state.aborted = msg || 'aborted';
            throw new Error(`test aborted: ${msg}`);
        },
        fail(msg) {
            throw new Error(msg);
        },
        options: {},
    },
    vu: { idInTest: 1, idInInstance: 1, iterationInInstance: 0, iterationInScenario: 0, tags: {}, metrics: { tags: {}, metadata: {} } },
    instance: { iterationsInterrupted: 0, iterationsCompleted: 0, vusActive: 1, vusInitialized: 1, currentTestRunDuration: 0 },
};

export default execution;
