// Fills the installation's compile cache (bin/runtime.js), run by `npm install`: imports every module of src/
// (none has effects when imported, apart from the command line's entry point, left out) with the settings the
// `stepvault` command runs with, so its first run, and every worker thread of it, finds them type-stripped and
// compiled, as if the package had shipped compiled code. Never fails the installation: without the cache,
// stepvault only starts slower and uses more memory on its first run.
import * as fs from 'node:fs';
import * as module from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { prepareRuntime } from '../bin/runtime.js';

const SRC = path.join(path.dirname(import.meta.dirname), 'src');

function modules(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return modules(full);
    const wanted = e.name.endsWith('.ts') && !/\.test(-helper|-worker)?\.ts$/.test(e.name);
    return wanted && full !== path.join(SRC, 'cli', 'main.ts') ? [full] : [];
  });
}

if (!process.features.typescript) {
  process.stderr.write(
    `stepvault: the compile cache was not warmed (Node ${process.version} cannot run TypeScript)\n`,
  );
} else {
  prepareRuntime();
  let failed = 0;
  for (const file of modules(SRC)) await import(pathToFileURL(file).href).catch(() => failed++);
  module.flushCompileCache?.();
  if (failed > 0) process.stderr.write(`stepvault: ${failed} modules could not be compiled ahead\n`);
}
