// Prints the options (scenarios and thresholds) of every load script as one JSON object, as k6 would
// evaluate them with no -e variables set. The Java benchmark's K6ScriptTest compares them with the
// scenarios it runs and the thresholds it judges (loadtest/.../K6Script.java):
//   node --import ./test/register.js test/print-options.js
import { installGlobals } from './harness.js';

installGlobals({});

const SCRIPTS = ['simple-reads', 'point-reads', 'writes', 'complex', 'exhaustion', 'sustained', 'sustained-rate', 'mixed'];
const out = {};
for (const name of SCRIPTS) {
    const { options } = await import(`../${name}.js`);
    out[name] = { scenarios: options.scenarios, thresholds: options.thresholds };
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
