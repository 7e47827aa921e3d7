// The layout of the benchmark dataset, decided up front from a seed and a scale: which files exist, their kind,
// target size and path, and which files and subtrees are copies (the duplicated ~10%). Scale 1 is ~2.0 GB in
// ~31.5k files; smaller scales shrink the number of small files and the size of the large ones alike.

import type { Language } from './dataset-language.ts';
import { Rng } from './dataset-prng.ts';

export type FileKind = 'html' | 'markdown' | 'text' | 'json' | 'log' | 'binary';

export interface FileSpec {
  path: string;
  kind: FileKind;
  size: number;
  /** Names the file's own random stream. */
  seed: string;
}

export interface CopySpec {
  from: string;
  to: string;
}

export interface DatasetPlan {
  files: FileSpec[];
  copies: CopySpec[];
}

const MB = 1_000_000;
export const SPACES = ['ENG', 'OPS', 'HR', 'SALES', 'DOCS', 'LEGAL', 'MKT', 'SUP', 'FIN', 'RND', 'QA', 'SEC'];
const SMALL_FILES = 28_600;
const FILES_PER_DIR = 24;
const MAX_DEPTH = 6;
const JSON_SIZES_MB = [34, 48, 62, 41, 76];
const LOG_SERVICES = ['api', 'web', 'auth', 'search', 'worker', 'scheduler'];
const LOG_SIZES_MB = [26, 38, 45, 31, 52, 29];
const LARGE_BINARIES = 16;
const SMALL_BINARIES = 100;
const BINARY_EXTENSIONS = ['jpg', 'png', 'zip', 'pdf', 'mp4', 'tar.gz', 'bin'];

function scaled(bytes: number, scale: number): number {
  return Math.max(4096, Math.round(bytes * scale));
}

/** Directories for the small files: each space is a tree several levels deep. */
function directories(rng: Rng, lang: Language, count: number): string[] {
  const dirs = SPACES.map((s) => `spaces/${s}`);
  const depth = new Map(dirs.map((d) => [d, 1]));
  const taken = new Set(dirs);
  while (dirs.length < count) {
    // Prefer recent, shallow parents a little, which gives both wide and deep branches.
    const parent = rng.chance(0.5)
      ? dirs[dirs.length - 1 - rng.int(0, Math.min(dirs.length - 1, 30))]!
      : rng.pick(dirs);
    const d = depth.get(parent)!;
    if (d >= MAX_DEPTH) continue;
    const child = `${parent}/${lang.slug(rng, 1, 2)}`;
    if (taken.has(child)) continue;
    taken.add(child);
    dirs.push(child);
    depth.set(child, d + 1);
  }
  return dirs;
}

export function planDataset(lang: Language, scale: number): DatasetPlan {
  const rng = Rng.derive('plan');
  const files: FileSpec[] = [];
  const copies: CopySpec[] = [];
  const smallCount = Math.max(SPACES.length, Math.round(SMALL_FILES * scale));
  const dirs = directories(rng, lang, Math.max(SPACES.length, Math.ceil(smallCount / FILES_PER_DIR)));

  for (let i = 0; i < smallCount; i++) {
    const r = rng.float();
    const kind: FileKind = r < 0.55 ? 'html' : r < 0.85 ? 'markdown' : 'text';
    const ext = kind === 'html' ? 'html' : kind === 'markdown' ? 'md' : 'txt';
    // Log-uniform between 0.5 and 60 KB, skewed towards the larger pages (mean ~20 KB).
    const size = Math.round(Math.exp(Math.log(512) + rng.float() ** 0.5 * Math.log(120)));
    const dir = i < SPACES.length ? dirs[i]! : rng.pick(dirs);
    files.push({ path: `${dir}/${lang.slug(rng, 1, 3)}-${i}.${ext}`, kind, size, seed: `small/${i}` });
  }
  JSON_SIZES_MB.forEach((mb, i) => {
    files.push({
      path: `exports/${lang.slug(rng, 1, 2)}-export-${i}.json`,
      kind: 'json',
      size: scaled(mb * MB, scale),
      seed: `json/${i}`,
    });
  });
  LOG_SERVICES.forEach((service, i) => {
    files.push({
      path: `logs/${service}/${service}.log`,
      kind: 'log',
      size: scaled(LOG_SIZES_MB[i]! * MB, scale),
      seed: `log/${service}`,
    });
  });
  for (let i = 0; i < LARGE_BINARIES + SMALL_BINARIES; i++) {
    const large = i < LARGE_BINARIES;
    const size = large ? rng.logUniform(10 * MB, 60 * MB) : rng.logUniform(1 * MB, 5 * MB);
    const where = `attachments/${2019 + rng.int(0, 5)}/${String(rng.int(1, 12)).padStart(2, '0')}`;
    files.push({
      path: `${where}/${lang.slug(rng, 1, 2)}-${i}.${rng.pick(BINARY_EXTENSIONS)}`,
      kind: 'binary',
      size: scaled(size, scale),
      seed: `binary/${i}`,
    });
  }

  // Duplicated content (~10% of the bytes): a whole space copied into an archive, loose copies of small
  // files, three large and ten small binaries mirrored, and previous copies of two exports.
  copies.push({ from: 'spaces/LEGAL', to: 'archive/LEGAL-2023' });
  const small = files.filter((f) => f.kind !== 'json' && f.kind !== 'log' && f.kind !== 'binary');
  for (let i = 0; i < Math.max(1, Math.round(200 * scale)); i++) {
    const f = small[rng.int(0, small.length - 1)]!;
    copies.push({ from: f.path, to: `shared/${i}-${f.path.split('/').pop()}` });
  }
  const binaries = files.filter((f) => f.kind === 'binary');
  for (const i of [1, 6, 11, ...Array.from({ length: 10 }, (_, k) => LARGE_BINARIES + 3 + k * 7)]) {
    const f = binaries[i]!;
    copies.push({ from: f.path, to: `attachments/mirror/${f.path.split('/').pop()}` });
  }
  for (const exported of files.filter((f) => f.kind === 'json').slice(0, 2)) {
    copies.push({ from: exported.path, to: `exports/previous/${exported.path.split('/').pop()}` });
  }
  return { files, copies };
}
