#!/usr/bin/env node
// The `stepvault` command's entry point, in plain JavaScript on purpose: it runs before any TypeScript loads.
// - It restarts itself once, in place (execve: same process ID, stdio and terminal), when the process was not
//   started with the memory settings below, because neither can take effect after start-up:
//   - V8's young generation is capped (2 MiB semi-spaces instead of up to 32): the main thread allocates small
//     objects per file at a high rate, and the default sizing keeps ~100 MiB more memory committed during a
//     large backup, for no speed gain;
//   - glibc gets at most two malloc arenas instead of eight per core: every pipeline thread would otherwise
//     keep its own arena of freed buffers.
//   Settings given by the user (a --max-semi-space-size flag or MALLOC_ARENA_MAX) are kept as they are.
// - It switches on Node's compile cache, so later runs reuse the type-stripped, compiled modules instead of
//   loading the TypeScript stripper into every thread (half the start-up time, ~30 MiB less memory per thread).
import * as module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const YOUNG_GENERATION = '--max-semi-space-size=2';
const tuned = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) =>
  a.includes('--max-semi-space-size'),
);
if (!tuned && typeof process.execve === 'function') {
  const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };
  try {
    process.execve(
      process.execPath,
      [process.execPath, YOUNG_GENERATION, ...process.execArgv, ...process.argv.slice(1)],
      env,
    );
  } catch {
    // not available on this platform: run with the defaults
  }
}

process.env.NODE_COMPILE_CACHE ??= path.join(
  process.env.STEPVAULT_CACHE_DIR || process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
  process.env.STEPVAULT_CACHE_DIR ? 'node-compile-cache' : 'stepvault/node-compile-cache',
);
module.enableCompileCache?.(process.env.NODE_COMPILE_CACHE);
await import('../src/cli/main.ts');
