// Builds the Lambda bundle of stepvault's short workflow tasks (src/aws/lambda-handler.ts): one ES module with
// the code and its JavaScript dependencies (esbuild), plus the one native addon esbuild cannot bundle (zstd-napi:
// its package and compiled binding, found beside the bundle as Lambda's runtime finds node_modules). The directory
// is what a deployment zips as the function's code; its handler is `index.handler` on the Node.js 24 runtime.
//
//   node scripts/build-lambda.ts [OUT_DIR]     (default: dist/lambda)

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
/** Native addons: kept out of the bundle and copied beside it. */
const NATIVE = ['zstd-napi'];

export async function buildLambda(outDir: string): Promise<{ bundle: string; bytes: number }> {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const bundle = path.join(outDir, 'index.mjs');
  await build({
    entryPoints: [path.join(ROOT, 'src', 'aws', 'lambda-handler.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    external: NATIVE,
    // CommonJS dependencies call require(): give the module one
    banner: {
      js: "import { createRequire as __svRequire } from 'node:module'; const require = __svRequire(import.meta.url);",
    },
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const require = createRequire(path.join(ROOT, 'package.json'));
  for (const name of NATIVE) {
    const from = path.dirname(require.resolve(`${name}/package.json`));
    // the package's manifest, its loader, its licence and the compiled binding: no sources or build leftovers
    fs.cpSync(from, path.join(outDir, 'node_modules', name), {
      recursive: true,
      filter: (src) => {
        const rel = path.relative(from, src).split(path.sep).join('/');
        return (
          rel === '' ||
          rel === 'build' ||
          rel === 'build/Release' ||
          /^(package\.json|[^/]+\.js|LICENSE[^/]*|NOTICE[^/]*|build\/Release\/[^/]+\.node)$/.test(rel)
        );
      },
    });
  }
  return { bundle, bytes: fs.statSync(bundle).size };
}

if (import.meta.main) {
  const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist', 'lambda'));
  const { bundle, bytes } = await buildLambda(out);
  console.log(`${bundle}: ${(bytes / 2 ** 20).toFixed(1)} MiB`);
}
