// Globals that the k6 runtime provides but that @types/k6 does not declare.
// "lib" in tsconfig.json is plain ES (no DOM), so browser-only APIs such as
// fetch, URL or window stay undeclared and cannot be used by mistake.
declare global {
    /** k6's console (messages go to the k6 log, stderr by default). */
    var console: {
        log(...data: unknown[]): void;
        info(...data: unknown[]): void;
        warn(...data: unknown[]): void;
        error(...data: unknown[]): void;
        debug(...data: unknown[]): void;
    };
}

export {};
