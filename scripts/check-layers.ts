// Enforces the import rules of ARCHITECTURE.md: layers import only downward, adapters never import a sibling
// adapter, vendor SDKs stay inside their adapter folders, nothing imports a composition root, and the development
// tools outside src/ (devtools/) stay apart from the program: they import only src/common/, and only the `dev`
// commands import them.
// Run by `npm run lint` (and so by `npm test`); prints every violation with file and line.

import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src');
const devtools = path.join(root, 'devtools');
/** The only modules of src/ that may import devtools/: the `dev` commands that start a development tool. */
const DEV_COMMAND = /^cli\/commands\/dev-[^/]+\.ts$/;

/** Rank of each top-level folder of src/: a module may import only modules of a lower rank, or its own folder. */
const RANKS: Record<string, number> = {
  common: 0,
  domain: 1,
  storage: 2,
  config: 3,
  catalog: 3,
  sources: 4,
  notifications: 4,
  repository: 5,
  workflows: 6,
  operations: 7,
  plans: 8,
  cli: 9,
  daemon: 9,
  aws: 9,
};
const ROOTS = new Set(['cli', 'daemon', 'aws']);
/**
 * The exceptions: the command line is the program's entry point, so `stepvault serve` starts the daemon and
 * `stepvault worker` the AWS activity worker.
 */
const ROOT_HOSTS: Record<string, string> = { daemon: 'cli', aws: 'cli' };
/** Folders whose subfolders are adapters: an adapter imports its contract (the folder's own files) only. */
const ADAPTER_PARENTS = new Set(['storage', 'sources', 'notifications']);
/** Vendor packages and the folders (relative to src/) that may import them. */
const VENDORS: { pattern: RegExp; allowed: string[] }[] = [
  {
    pattern: /^@aws-sdk\//,
    allowed: ['storage/s3/', 'aws/', 'config/secrets/', 'notifications/sns/', 'plans/aws-sdk/'],
  },
  { pattern: /^nodemailer(\/|$)/, allowed: ['notifications/smtp/'] },
  { pattern: /^pg(-|$)/, allowed: ['sources/postgres/'] },
];

function layerOf(rel: string): string {
  const parts = rel.split('/');
  return parts[0]!;
}

function adapterOf(rel: string): string | undefined {
  const parts = rel.split('/');
  return ADAPTER_PARENTS.has(parts[0]!) && parts.length > 2 ? `${parts[0]}/${parts[1]}` : undefined;
}

/** The one registry of a plug point (`storage/location-registry.ts`) lists its adapters, so it may import them. */
function isRegistry(rel: string): boolean {
  const parts = rel.split('/');
  return parts.length === 2 && ADAPTER_PARENTS.has(parts[0]!) && parts[1]!.endsWith('-registry.ts');
}

function* walk(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.name.endsWith('.ts')) yield full;
  }
}

const IMPORT =
  /(?:^|\s)(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

const problems: string[] = [];
for (const file of walk(src)) {
  if (file.endsWith('.test.ts')) continue; // tests may reach across layers to build fixtures
  const rel = path.relative(src, file).split(path.sep).join('/');
  const layer = layerOf(rel);
  const rank = RANKS[layer];
  if (rank === undefined) {
    problems.push(
      `${rel}: folder src/${layer} is not a known layer (add it to ARCHITECTURE.md and this script)`,
    );
    continue;
  }
  const text = fs.readFileSync(file, 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3]!;
    const line = text.slice(0, match.index).split('\n').length;
    const where = `${rel}:${line}`;
    if (!spec.startsWith('.')) {
      for (const vendor of VENDORS) {
        if (vendor.pattern.test(spec) && !vendor.allowed.some((a) => rel.startsWith(a))) {
          problems.push(`${where}: imports ${spec}, allowed only in ${vendor.allowed.join(', ')}`);
        }
      }
      continue;
    }
    const target = path
      .relative(src, path.resolve(path.dirname(file), spec))
      .split(path.sep)
      .join('/');
    if (target.startsWith('..')) {
      const outside = path
        .relative(root, path.resolve(path.dirname(file), spec))
        .split(path.sep)
        .join('/');
      // the package manifest (the program's version) is data every layer may read
      if (outside !== 'package.json' && !(outside.startsWith('devtools/') && DEV_COMMAND.test(rel))) {
        problems.push(
          `${where}: imports ${spec} from outside src/ (only cli/commands/dev-*.ts may, from devtools/; anyone the package.json)`,
        );
      }
      continue;
    }
    const targetLayer = layerOf(target);
    const targetRank = RANKS[targetLayer];
    if (targetRank === undefined) continue;
    const hosted = ROOT_HOSTS[targetLayer] === layer;
    if (ROOTS.has(targetLayer) && targetLayer !== layer && !hosted) {
      problems.push(`${where}: imports the composition root src/${targetLayer} (nothing may)`);
    } else if (targetLayer !== layer && targetRank >= rank && !hosted) {
      problems.push(`${where}: ${layer} (rank ${rank}) may not import ${targetLayer} (rank ${targetRank})`);
    }
    const fromAdapter = adapterOf(rel);
    const toAdapter = adapterOf(target);
    if (toAdapter && fromAdapter !== toAdapter && layerOf(target) === layer && !isRegistry(rel)) {
      problems.push(`${where}: ${fromAdapter ?? layer} may not import the sibling adapter ${toAdapter}`);
    }
  }
}

// devtools/ is a development tool beside the program: it may use src/common/ and nothing else of src/.
for (const file of walk(devtools)) {
  if (file.endsWith('.test.ts')) continue;
  const rel = path.relative(root, file).split(path.sep).join('/');
  const text = fs.readFileSync(file, 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3]!;
    if (!spec.startsWith('.')) continue;
    const target = path
      .relative(root, path.resolve(path.dirname(file), spec))
      .split(path.sep)
      .join('/');
    if (target.startsWith('devtools/') || target.startsWith('src/common/')) continue;
    const line = text.slice(0, match.index).split('\n').length;
    problems.push(`${rel}:${line}: imports ${target} (devtools/ may import only devtools/ and src/common/)`);
  }
}

if (problems.length > 0) {
  console.error(`layer check: ${problems.length} violation(s) of the import rules in ARCHITECTURE.md`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log('layer check: ok');
