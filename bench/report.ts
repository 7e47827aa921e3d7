// Writes one benchmark suite's results into docs/benchmarks.md, replacing only that suite's section (between
// `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`), so suites run separately keep each other's numbers.

import * as fs from 'node:fs';
import * as path from 'node:path';

const FILE = path.resolve(import.meta.dirname, '..', 'docs', 'benchmarks.md');
const HEADER = `# Benchmarks

Produced by \`npm run bench [-- suite]\`; every suite runs its anchors side by side in the same run on the
same machine and writes its own section below. Numbers are from the machine the suite last ran on.
`;

/** What a suite with options (repository, s3) hands back to `npm run bench`. */
export interface SuiteOutcome {
  markdown: string;
  /** Whether docs/benchmarks.md should get this result. */
  write: boolean;
  /** False when a step failed or a restore differed from the dataset. */
  ok: boolean;
}

export function writeSection(name: string, markdown: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : HEADER;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + block + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  fs.mkdirSync(path.dirname(FILE), { recursive: true });
  fs.writeFileSync(FILE, next);
}

/** A Markdown table: the header row, its rule, then the rows. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
