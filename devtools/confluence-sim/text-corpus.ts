// Words and titles for generated content: mostly plain English, with accented, CJK, RTL and emoji text, and the
// characters that break naive file names and HTML (slashes, colons, quotes, ampersands, angle brackets).

import type { Prng } from './prng.ts';

const WORDS = (
  'backup restore snapshot release plan roadmap incident review meeting notes design api service cluster ' +
  'storage network budget quarter team onboarding policy security audit retention schedule deploy rollout ' +
  'metrics dashboard alert runbook owner status decision risk milestone feature customer support billing ' +
  'migration database index cache queue worker latency throughput region replica archive export import'
).split(' ');

const UNICODE_WORDS = [
  'Ünïcödé',
  'café',
  'naïve',
  'Größe',
  'façade',
  'Ångström',
  'żółć',
  'Čeština',
  '日本語',
  '中文文档',
  '한국어',
  'Русский',
  'Ελληνικά',
  'עברית',
  'العربية',
  'हिन्दी',
  'ไทย',
  '🚀',
  '📦',
  '✅',
  '🇪🇺',
  '👩‍💻',
];

/** Fragments that make titles hard to turn into paths or markup. */
const AWKWARD = [
  'a/b',
  'C:\\path',
  'what?',
  '50% done',
  'R&D',
  '<draft>',
  '"quoted"',
  "it's",
  'trailing dot.',
  '#hash',
  'tab\tchar',
  '..',
  'CON',
  'a*b|c',
];

export function word(rng: Prng): string {
  return rng.chance(0.06) ? rng.pick(UNICODE_WORDS) : rng.pick(WORDS);
}

export function words(rng: Prng, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(word(rng));
  return out.join(' ');
}

export function sentence(rng: Prng): string {
  const text = words(rng, rng.int(5, 16));
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** A page or blog post title; callers make it unique within its space. */
export function title(rng: Prng): string {
  const parts = [words(rng, rng.int(1, 4))];
  if (rng.chance(0.25)) parts.push(rng.pick(UNICODE_WORDS));
  if (rng.chance(0.1)) parts.push(rng.pick(AWKWARD));
  if (rng.chance(0.02)) parts.push(words(rng, 30)); // very long titles exist
  const text = parts.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

export function codeSnippet(rng: Prng): { language: string; text: string } {
  const language = rng.pick(['java', 'python', 'bash', 'sql', 'json', 'typescript', 'yaml']);
  const lines: string[] = [];
  const count = rng.int(3, 14);
  for (let i = 0; i < count; i++) {
    lines.push(
      `${'  '.repeat(rng.int(0, 2))}${word(rng)}_${word(rng)}(${rng.int(0, 999)}) // ${word(rng)} <&> ]]>`,
    );
  }
  return { language, text: lines.join('\n') };
}
