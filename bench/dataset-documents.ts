// The kinds of file in the benchmark dataset, each written into a ByteSink until it reaches a target size:
// HTML pages, Markdown and plain-text notes, large JSON exports, timestamped logs and incompressible binaries.

import type { Language } from './dataset-language.ts';
import type { Rng } from './dataset-prng.ts';
import { ByteSink } from './dataset-sink.ts';

const NL = 10;
const SPACE_NAMES = ['ENG', 'OPS', 'HR', 'SALES', 'DOCS', 'LEGAL', 'MKT', 'SUP', 'FIN', 'RND', 'QA', 'SEC'];

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

function inlineHtml(sink: ByteSink, rng: Rng, lang: Language): void {
  const kind = rng.int(0, 9);
  if (kind === 0) sink.text(` <a href="/wiki/${lang.slug(rng, 1, 3)}">${lang.title(rng, 1, 3)}</a>`);
  else if (kind === 1) sink.text(` <strong>${lang.word(rng)}</strong>`);
  else if (kind === 2) sink.text(` <code>${lang.word(rng)}_${lang.word(rng)}()</code>`);
}

export function writeHtml(sink: ByteSink, rng: Rng, lang: Language, target: number, crumbs: string[]): void {
  const title = lang.title(rng);
  sink.text(
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
      `<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>${title} - Wiki</title>\n` +
      `<link rel="stylesheet" href="/static/css/site.css">\n<script src="/static/js/app.js" defer></script>\n` +
      `</head>\n<body class="page">\n<header class="site-header"><a class="logo" href="/">Wiki</a>` +
      `<nav class="breadcrumbs">${crumbs.map((c) => `<a href="/spaces/${c}">${c}</a>`).join(' / ')}</nav></header>\n` +
      `<main class="content">\n<h1 id="title">${title}</h1>\n<div class="meta">Last updated ` +
      `${isoTime(1_600_000_000_000 + rng.int(0, 1e9) * 100).slice(0, 10)} by ${lang.title(rng, 2, 2)}</div>\n`,
  );
  while (sink.size < target - 40) {
    const block = rng.int(0, 11);
    if (block < 7) {
      sink.text('<p>');
      const sentences = rng.int(2, 6);
      for (let i = 0; i < sentences; i++) {
        if (i > 0) sink.byte(32);
        lang.sentence(sink, rng);
        inlineHtml(sink, rng, lang);
      }
      sink.text('</p>\n');
    } else if (block < 9) {
      sink.text(`<h2 id="${lang.slug(rng, 1, 2)}">${lang.title(rng, 1, 4)}</h2>\n`);
    } else if (block < 11) {
      sink.text('<ul>\n');
      for (let i = rng.int(2, 6); i > 0; i--) {
        sink.text('  <li>');
        lang.sentence(sink, rng);
        sink.text('</li>\n');
      }
      sink.text('</ul>\n');
    } else {
      sink.text(
        '<table class="data">\n<tr><th>Name</th><th>Owner</th><th>Status</th><th>Updated</th></tr>\n',
      );
      for (let i = rng.int(2, 8); i > 0; i--) {
        sink.text(
          `<tr><td>${lang.title(rng, 1, 3)}</td><td>${lang.title(rng, 2, 2)}</td><td>` +
            `${rng.pick(['done', 'open', 'in progress', 'blocked'])}</td><td>2023-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}</td></tr>\n`,
        );
      }
      sink.text('</table>\n');
    }
  }
  sink.text('</main>\n<footer class="site-footer">Powered by Wiki</footer>\n</body>\n</html>\n');
}

export function writeMarkdown(sink: ByteSink, rng: Rng, lang: Language, target: number): void {
  sink.text(`# ${lang.title(rng)}\n\n`);
  while (sink.size < target - 20) {
    const block = rng.int(0, 9);
    if (block < 6) {
      lang.paragraph(sink, rng);
      sink.text('\n\n');
    } else if (block < 7) {
      sink.text(`## ${lang.title(rng, 1, 4)}\n\n`);
    } else if (block < 9) {
      for (let i = rng.int(2, 6); i > 0; i--) {
        sink.text(rng.chance(0.3) ? `- [${lang.title(rng, 1, 2)}](../${lang.slug(rng)}.md) ` : '- ');
        lang.sentence(sink, rng);
        sink.byte(NL);
      }
      sink.byte(NL);
    } else {
      sink.text('```\n');
      for (let i = rng.int(2, 8); i > 0; i--) {
        sink.text(
          `${lang.word(rng)}_${lang.word(rng)} = ${lang.word(rng)}(${lang.word(rng)}, ${rng.int(0, 999)})\n`,
        );
      }
      sink.text('```\n\n');
    }
  }
}

export function writePlainText(sink: ByteSink, rng: Rng, lang: Language, target: number): void {
  sink.text(`${lang.title(rng).toUpperCase()}\n\n`);
  while (sink.size < target - 10) {
    lang.paragraph(sink, rng);
    sink.text('\n\n');
  }
}

export interface JsonStyle {
  pretty: boolean;
  people: { id: string; name: string }[];
}

export function jsonStyle(rng: Rng, lang: Language, pretty: boolean): JsonStyle {
  return {
    pretty,
    people: Array.from({ length: 400 }, () => ({ id: rng.hex(24), name: lang.title(rng, 2, 2) })),
  };
}

/** One page record of a JSON export (without the separating comma). */
export function writeJsonRecord(
  sink: ByteSink,
  rng: Rng,
  lang: Language,
  style: JsonStyle,
  id: number,
): void {
  const { pretty } = style;
  const nl = pretty ? '\n' : '';
  const ind = (n: number) => (pretty ? ' '.repeat(n * 2) : '');
  const sep = pretty ? ': ' : ':';
  const person = rng.pick(style.people);
  const space = rng.pick(SPACE_NAMES);
  const labels = Array.from({ length: rng.int(0, 4) }, () => `"${lang.word(rng)}"`).join(pretty ? ', ' : ',');
  sink.text(
    `${nl}${ind(2)}{${nl}` +
      `${ind(3)}"id"${sep}"${id}",${nl}${ind(3)}"type"${sep}"${rng.chance(0.9) ? 'page' : 'blogpost'}",${nl}` +
      `${ind(3)}"status"${sep}"current",${nl}${ind(3)}"title"${sep}"${lang.title(rng)}",${nl}` +
      `${ind(3)}"space"${sep}{${nl}${ind(4)}"key"${sep}"${space}",${nl}${ind(4)}"name"${sep}"${space} space"${nl}${ind(3)}},${nl}` +
      `${ind(3)}"version"${sep}{${nl}${ind(4)}"number"${sep}${rng.int(1, 60)},${nl}` +
      `${ind(4)}"when"${sep}"${isoTime(1_500_000_000_000 + rng.int(0, 2e9) * 100)}",${nl}` +
      `${ind(4)}"by"${sep}{${nl}${ind(5)}"accountId"${sep}"${person.id}",${nl}${ind(5)}"displayName"${sep}"${person.name}"${nl}${ind(4)}}${nl}${ind(3)}},${nl}` +
      `${ind(3)}"labels"${sep}[${labels}],${nl}` +
      `${ind(3)}"metrics"${sep}{${nl}${ind(4)}"views"${sep}${rng.int(0, 50_000)},${nl}${ind(4)}"likes"${sep}${rng.int(0, 80)}${nl}${ind(3)}},${nl}` +
      `${ind(3)}"body"${sep}"`,
  );
  lang.paragraph(sink, rng, rng.int(1, 6));
  sink.text(`"${nl}${ind(2)}}`);
}

/** A JSON export of pages: an array of records with nested objects, labels and a prose body. */
export function writeJsonExport(
  sink: ByteSink,
  rng: Rng,
  lang: Language,
  target: number,
  pretty: boolean,
): void {
  const style = jsonStyle(rng, lang, pretty);
  const nl = pretty ? '\n' : '';
  const ind = pretty ? '  ' : '';
  sink.text(
    `{${nl}${ind}"exported"${pretty ? ': ' : ':'}"2024-02-01T00:00:00.000Z",${nl}${ind}"results"${pretty ? ': ' : ':'}[`,
  );
  let id = 100_000 + rng.int(0, 100_000);
  let first = true;
  while (sink.size < target - 200) {
    if (!first) sink.byte(44);
    id += rng.int(1, 40);
    writeJsonRecord(sink, rng, lang, style, id);
    first = false;
    sink.maybeFlush();
  }
  sink.text(`${nl}${ind}]${nl}}${nl}`);
}

const LOG_PATHS = [
  '/api/v2/pages',
  '/api/v2/spaces',
  '/api/v2/attachments',
  '/rest/api/search',
  '/login',
  '/health',
];
const LOG_LEVELS = ['INFO ', 'INFO ', 'INFO ', 'INFO ', 'DEBUG', 'DEBUG', 'WARN ', 'ERROR'];

/** Timestamped service log lines, continuing from `startMs`; returns the time of the last line. */
export function writeLog(
  sink: ByteSink,
  rng: Rng,
  lang: Language,
  target: number,
  service: string,
  startMs: number,
): number {
  const pages = Array.from({ length: 300 }, () => rng.int(1000, 99999));
  const sizes = Array.from({ length: 40 }, () => rng.int(100, 90000));
  const messages = Array.from({ length: 60 }, () => {
    const line = new ByteSink(undefined, 4096);
    lang.sentence(line, rng);
    return line.contents().toString('latin1');
  });
  let t = startMs;
  let second = -1;
  let prefix = '';
  while (sink.size < target) {
    t += rng.int(0, 250);
    if (Math.floor(t / 1000) !== second) {
      second = Math.floor(t / 1000);
      prefix = isoTime(second * 1000).slice(0, 20);
    }
    const stamp = `${prefix}${String(t % 1000).padStart(3, '0')}Z`;
    const level = rng.pick(LOG_LEVELS);
    const worker = `${service}-worker-${rng.int(1, 8)}`;
    if (rng.chance(0.85)) {
      const status = rng.chance(0.95) ? 200 : rng.pick([201, 204, 301, 404, 500, 503]);
      sink.text(
        `${stamp} ${level} [${worker}] ${rng.chance(0.8) ? 'GET' : 'POST'} ${rng.pick(LOG_PATHS)}/${rng.pick(pages)} ` +
          `status=${status} duration=${Math.floor(rng.logUniform(1, 900))}ms bytes=${rng.pick(sizes)} user=u${rng.int(1000, 1150)}\n`,
      );
    } else {
      sink.text(`${stamp} ${level} [${worker}] ${rng.pick(messages)} (id=${rng.int(1, 5000)})\n`);
    }
    sink.maybeFlush();
  }
  return t;
}

/** Random bytes: data that no compressor can shrink (images, archives, encrypted blobs). */
export function writeRandom(sink: ByteSink, rng: Rng, size: number): void {
  const piece = new Uint8Array(1024 * 1024);
  let left = size;
  while (left > 0) {
    const n = Math.min(left, piece.length);
    const part = piece.subarray(0, n);
    rng.fill(part);
    sink.bytes(part);
    sink.maybeFlush();
    left -= n;
  }
}
