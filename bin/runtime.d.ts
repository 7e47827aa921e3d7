// Types of bin/runtime.js for the TypeScript that imports it (the benchmark's step processes).

/** Restarts the process once with stepvault's V8 and malloc settings, then switches on the compile cache. */
export function prepareRuntime(): void;
