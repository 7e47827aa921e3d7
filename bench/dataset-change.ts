// The deterministic ~1% change applied to the benchmark dataset between the second and third backup: inserts in
// the middle of large files (so content-defined chunking must resynchronise), appends to every log, new files,
// a few small files edited and a few deleted. Amounts scale with the dataset, so any --scale sees ~1%.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { jsonStyle, writeJsonRecord, writeLog, writeRandom } from './dataset-documents.ts';
import type { Language } from './dataset-language.ts';
import { Rng } from './dataset-prng.ts';
import { ByteSink } from './dataset-sink.ts';

export interface ChangeSummary {
  filesChanged: number;
  filesAdded: number;
  filesDeleted: number;
  bytesWritten: number;
}

interface Entry {
  rel: string;
  size: number;
}

function list(root: string): Entry[] {
  const out: Entry[] = [];
  const walk = (dir: string, rel: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (e.isFile()) out.push({ rel: r, size: fs.statSync(path.join(dir, e.name)).size });
    }
  };
  walk(root, '');
  return out;
}

/** `count` distinct entries, picked at random. */
function pickDistinct<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const chosen = new Set<number>();
  const n = Math.min(count, items.length);
  while (chosen.size < n) chosen.add(rng.int(0, items.length - 1));
  return [...chosen].map((i) => items[i]!);
}

function insertAt(file: string, offset: number, data: Uint8Array): void {
  const old = fs.readFileSync(file);
  fs.writeFileSync(file, Buffer.concat([old.subarray(0, offset), data, old.subarray(offset)]));
}

export function applyDatasetChange(dir: string, lang: Language): ChangeSummary {
  const rng = Rng.derive('change');
  const all = list(dir);
  const total = all.reduce((sum, e) => sum + e.size, 0);
  const unit = Math.max(1024, Math.round(total / 1000)); // 0.1% of the dataset
  const summary: ChangeSummary = { filesChanged: 0, filesAdded: 0, filesDeleted: 0, bytesWritten: 0 };
  const small = all.filter((e) => e.rel.startsWith('spaces/'));
  const sink = new ByteSink(undefined, 1024 * 1024);

  // Two large binaries get 0.1% of the dataset each inserted in the middle.
  const binaries = all
    .filter((e) => e.rel.startsWith('attachments/') && !e.rel.startsWith('attachments/mirror/'))
    .sort((a, b) => b.size - a.size || (a.rel < b.rel ? -1 : 1));
  for (const e of [binaries[0], binaries[2]]) {
    if (!e) continue;
    sink.reset();
    writeRandom(sink, rng, unit);
    insertAt(path.join(dir, e.rel), Math.floor(e.size * (0.4 + 0.2 * rng.float())), sink.contents());
    summary.filesChanged++;
    summary.bytesWritten += unit;
  }

  // The largest export gets new records (0.05%) after the first record that ends past its middle.
  const exports = all.filter((e) => /^exports\/[^/]+\.json$/.test(e.rel)).sort((a, b) => b.size - a.size);
  const exported = exports[0];
  if (exported) {
    const file = path.join(dir, exported.rel);
    const text = fs.readFileSync(file);
    const pretty = text.includes('\n');
    const boundary = text.indexOf(pretty ? '\n    },' : '},{', Math.floor(text.length / 2));
    if (boundary > 0) {
      const at = boundary + (pretty ? 7 : 2);
      const style = jsonStyle(rng, lang, pretty);
      sink.reset();
      let id = 9_000_000;
      while (sink.size < unit / 2) {
        writeJsonRecord(sink, rng, lang, style, id++);
        sink.byte(44);
      }
      insertAt(file, at, sink.contents());
      summary.filesChanged++;
      summary.bytesWritten += sink.size;
    }
  }

  // Every log grows by 0.05% of the dataset, continuing from its last timestamp.
  for (const e of all.filter((x) => x.rel.startsWith('logs/') && x.rel.endsWith('.log'))) {
    const file = path.join(dir, e.rel);
    const fd = fs.openSync(file, 'r');
    const tail = Buffer.alloc(Math.min(4096, e.size));
    fs.readSync(fd, tail, 0, tail.length, e.size - tail.length);
    fs.closeSync(fd);
    const lines = tail.toString('latin1').trimEnd().split('\n');
    const last = Date.parse(lines[lines.length - 1]!.slice(0, 24));
    sink.reset();
    writeLog(sink, rng, lang, unit / 2, path.basename(e.rel, '.log'), Number.isNaN(last) ? 0 : last);
    fs.appendFileSync(file, sink.contents());
    summary.filesChanged++;
    summary.bytesWritten += sink.size;
  }

  // 0.5% of the small files get a paragraph inserted in the middle, at a line break.
  const edited = pickDistinct(rng, small, Math.max(1, Math.round(small.length * 0.005)));
  for (const e of edited) {
    const file = path.join(dir, e.rel);
    const text = fs.readFileSync(file);
    const nl = text.indexOf(10, Math.floor(text.length / 2));
    const at = nl < 0 ? text.length : nl + 1;
    sink.reset();
    if (e.rel.endsWith('.html')) sink.text('<p>');
    lang.paragraph(sink, rng);
    sink.text(e.rel.endsWith('.html') ? '</p>\n' : '\n\n');
    insertAt(file, at, sink.contents());
    summary.filesChanged++;
    summary.bytesWritten += sink.size;
  }

  // New files: 0.4% more small pages (some in a new folder) and two new binaries of 0.1% each.
  const dirs = [...new Set(small.map((e) => path.posix.dirname(e.rel)))];
  const fresh = Math.max(1, Math.round(small.length * 0.004));
  for (let i = 0; i < fresh; i++) {
    const folder = i % 4 === 0 ? 'spaces/ENG/projects-2024' : rng.pick(dirs);
    fs.mkdirSync(path.join(dir, folder), { recursive: true });
    sink.reset();
    sink.text(`# ${lang.title(rng)}\n\n`);
    const target = Math.round(rng.logUniform(512, 61_440));
    while (sink.size < target) {
      lang.paragraph(sink, rng);
      sink.text('\n\n');
    }
    fs.writeFileSync(path.join(dir, folder, `${lang.slug(rng, 1, 3)}-new-${i}.md`), sink.contents());
    summary.filesAdded++;
    summary.bytesWritten += sink.size;
  }
  fs.mkdirSync(path.join(dir, 'attachments/2024/03'), { recursive: true });
  for (let i = 0; i < 2; i++) {
    sink.reset();
    writeRandom(sink, rng, unit);
    fs.writeFileSync(path.join(dir, `attachments/2024/03/upload-${i}.jpg`), sink.contents());
    summary.filesAdded++;
    summary.bytesWritten += unit;
  }

  // A few small files that were not edited are deleted (0.07%).
  const untouched = small.filter((e) => !edited.includes(e));
  for (const e of pickDistinct(rng, untouched, Math.max(1, Math.round(small.length * 0.0007)))) {
    fs.rmSync(path.join(dir, e.rel));
    summary.filesDeleted++;
  }
  return summary;
}
