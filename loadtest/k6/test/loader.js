// Node module-resolution hook: maps the k6 built-in modules to the stand-ins in ./k6/.
// Registered with `node --import ./test/register.js`.
const map = {
    k6: './k6/index.js',
    'k6/http': './k6/http.js',
    'k6/metrics': './k6/metrics.js',
    'k6/execution': './k6/execution.js',
};

export async function resolve(specifier, context, next) {
    if (Object.prototype.hasOwnProperty.call(map, specifier)) {
        return { url: new URL(map[specifier], import.meta.url).href, shortCircuit: true };
    }
    if (specifier.startsWith('k6/') || specifier.startsWith('https://')) {
        throw new Error(`no stand-in for ${specifier}; add one to test/loader.js`);
    }
    return next(specifier, context);
}
