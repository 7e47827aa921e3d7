// Prepares the Node process that runs stepvault, in plain JavaScript on purpose: it runs before any TypeScript
// loads. Used by the `stepvault` command (bin/stepvault.js) and by the compile-cache warm-up that `npm install`
// runs (scripts/warm-compile-cache.js), so that both compile with the same settings.
// - It restarts the process once, in place (execve: same process ID, stdio and terminal), when it was not
//   started with the settings below, because none can take effect after start-up:
//   - V8's young generation is capped (2 MiB semi-spaces instead of up to 32): the main thread allocates small
//     objects per file at a high rate, and the default sizing keeps ~100 MiB more memory committed during a
//     large backup, for no speed gain;
//   - `gc` is exposed (--expose-gc) from the start: the pipeline collects its own garbage, and a V8 flag set later
//     would give the worker threads another compile cache than the main thread's (the cache is keyed by the
//     flags), so they could not use what the main thread compiled for them (see src/common/start-worker.ts);
//   - glibc gets at most two malloc arenas instead of eight per core: every pipeline thread would otherwise
//     keep its own arena of freed buffers.
//   Settings given by the user (a --max-semi-space-size flag or MALLOC_ARENA_MAX) are kept as they are.
// - It switches on Node's compile cache, so runs reuse the type-stripped, compiled modules instead of loading the
//   TypeScript stripper (a WebAssembly module) into every thread: half the start-up time, ~15 MiB less memory per
//   thread. The cache belongs to the installation (node_modules/.cache/stepvault-compile, filled by `npm install`),
//   as compiled code would: every run of it shares the cache, whatever its user cache directory. Where that is not
//   writable, the user's cache directory is used. NODE_COMPILE_CACHE, when set, wins.
import * as module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const FLAGS = ['--max-semi-space-size=2', '--expose-gc'];
const PACKAGE_ROOT = path.dirname(import.meta.dirname);

export function prepareRuntime() {
  const tuned = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) =>
    a.includes('--max-semi-space-size'),
  );
  if (!tuned && typeof process.execve === 'function') {
    const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };
    try {
      process.execve(
        process.execPath,
        [process.execPath, ...FLAGS, ...process.execArgv, ...process.argv.slice(1)],
        env,
      );
    } catch {
      // not available on this platform: run with the defaults
    }
  }
  if (!module.enableCompileCache) return;
  if (process.env.NODE_COMPILE_CACHE) {
    module.enableCompileCache(process.env.NODE_COMPILE_CACHE);
    return;
  }
  const installed = path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'stepvault-compile');
  const { status } = module.enableCompileCache(installed);
  if (status !== module.constants.compileCacheStatus.FAILED) {
    process.env.NODE_COMPILE_CACHE = installed; // worker threads enable it from the environment
    return;
  }
  const user = path.join(
    process.env.STEPVAULT_CACHE_DIR || process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
    process.env.STEPVAULT_CACHE_DIR ? 'node-compile-cache' : 'stepvault/node-compile-cache',
  );
  process.env.NODE_COMPILE_CACHE = user;
  module.enableCompileCache(user);
}
