// A synthetic language for the benchmark's text: a large vocabulary drawn with a Zipf-like distribution (short
// words most frequent, as in real prose) plus common multi-word phrases, so zstd finds about the redundancy
// it finds in real prose and markup. Words are copied as bytes straight into a ByteSink for speed.

import { Rng } from './dataset-prng.ts';
import type { ByteSink } from './dataset-sink.ts';

const FUNCTION_WORDS = (
  'the of and to a in is that for it as was with be by on not he this are or his from at which but have an ' +
  'had they you were their one all we can her has there been if more when will would who so no its into than ' +
  'them only other new some could these may first any then do time two like our what over such also after ' +
  'most made should between used where many before through each being under same both while during about'
).split(' ');

const ONSETS = [
  '',
  'b',
  'c',
  'd',
  'f',
  'g',
  'h',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'w',
  'st',
  'tr',
];
const ONSETS_RARE = ['br', 'ch', 'cl', 'cr', 'dr', 'fl', 'gr', 'pl', 'pr', 'sh', 'sp', 'th', 'wh', 'z', 'j'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'a', 'e', 'o', 'ea', 'io', 'ou', 'ai', 'y'];
const CODAS = ['', '', '', 'n', 'r', 's', 't', 'l', 'nd', 'nt', 'st', 'ng', 'ck', 'm', 'rt', 'x'];
const SUFFIXES = ['', '', '', '', 'ing', 'ed', 'er', 'tion', 'ly', 'ment', 'ness', 'able', 'al', 'es', 'ive'];

const VOCABULARY_SIZE = 60_000;
const PHRASES = 4_000;
const TABLE_BITS = 20;
/** Out of 32: the share of draws that emit a whole common phrase rather than one word. */
const PHRASE_SHARE = 18;
const SINGLE = new Uint32Array(1);

/** Builds an inverse-CDF lookup table for weights 1/(rank+offset)^exponent. */
function zipfTable(size: number, exponent: number, offset: number): Uint32Array {
  const weights = new Float64Array(size);
  let total = 0;
  for (let k = 0; k < size; k++) {
    weights[k] = 1 / (k + offset) ** exponent;
    total += weights[k]!;
  }
  const slots = 1 << TABLE_BITS;
  const table = new Uint32Array(slots);
  let k = 0;
  let cumulative = weights[0]! / total;
  for (let slot = 0; slot < slots; slot++) {
    const u = (slot + 0.5) / slots;
    while (u > cumulative && k < size - 1) {
      k++;
      cumulative += weights[k]! / total;
    }
    table[slot] = k;
  }
  return table;
}

function makeWord(rng: Rng, rank: number): string {
  const syllables = rank < 2_000 ? rng.int(1, 2) : rank < 20_000 ? rng.int(2, 3) : rng.int(2, 4);
  let word = '';
  for (let i = 0; i < syllables; i++) {
    word += rng.chance(0.12) ? rng.pick(ONSETS_RARE) : rng.pick(ONSETS);
    word += rng.pick(VOWELS);
    if (i === syllables - 1 ? rng.chance(0.6) : rng.chance(0.15)) word += rng.pick(CODAS);
  }
  if (rank > 1_000 && rng.chance(0.25)) word += rng.pick(SUFFIXES);
  return word;
}

export class Language {
  readonly words: string[];
  private readonly bytes: Uint8Array;
  private readonly start: Uint32Array;
  private readonly length: Uint8Array;
  private readonly wordTable: Uint32Array;
  private readonly phraseTable: Uint32Array;
  private readonly phrases: Uint32Array[];

  constructor() {
    const rng = Rng.derive('language');
    const seen = new Set<string>(FUNCTION_WORDS);
    const words = [...FUNCTION_WORDS];
    while (words.length < VOCABULARY_SIZE) {
      const word = makeWord(rng, words.length);
      if (word.length < 2 || seen.has(word)) continue;
      seen.add(word);
      words.push(word);
    }
    this.words = words;
    const joined = words.join('');
    this.bytes = Buffer.from(joined, 'latin1');
    this.start = new Uint32Array(words.length);
    this.length = new Uint8Array(words.length);
    let off = 0;
    words.forEach((w, i) => {
      this.start[i] = off;
      this.length[i] = w.length;
      off += w.length;
    });
    this.wordTable = zipfTable(words.length, 1.1, 2.7);
    this.phraseTable = zipfTable(PHRASES, 1.1, 1);
    this.phrases = [];
    for (let p = 0; p < PHRASES; p++) {
      const n = rng.int(2, 5);
      const phrase = new Uint32Array(n);
      for (let i = 0; i < n; i++) phrase[i] = this.wordIndex(rng);
      this.phrases.push(phrase);
    }
  }

  wordIndex(rng: Rng): number {
    return this.wordTable[rng.u32() >>> (32 - TABLE_BITS)]!;
  }

  word(rng: Rng): string {
    return this.words[this.wordIndex(rng)]!;
  }

  /** A sentence of 6-26 words ending in a full stop (no trailing space); one random draw per word. */
  sentence(sink: ByteSink, rng: Rng): void {
    const target = 6 + (rng.u32() % 21);
    const bytes = this.bytes;
    const start = this.start;
    const length = this.length;
    let n = 0;
    while (n < target) {
      const r = rng.u32();
      const decision = r & 0xfff;
      let phrase: Uint32Array | undefined;
      if (decision >>> 7 < PHRASE_SHARE) {
        phrase = this.phrases[this.phraseTable[r >>> (32 - TABLE_BITS)]!]!;
      } else {
        SINGLE[0] = this.wordTable[r >>> (32 - TABLE_BITS)]!;
        phrase = SINGLE;
      }
      sink.ensure(phrase.length * 32 + 2);
      const buf = sink.buf;
      let pos = sink.pos;
      for (let i = 0; i < phrase.length; i++) {
        if (n > 0) {
          if (i === 0 && (decision & 127) < 9) buf[pos++] = 44; // ,
          buf[pos++] = 32;
        }
        const index = phrase[i]!;
        const from = start[index]!;
        const to = from + length[index]!;
        const first = pos;
        for (let k = from; k < to; k++) buf[pos++] = bytes[k]!;
        if (n === 0) buf[first] = buf[first]! - 32;
        n++;
      }
      sink.pos = pos;
    }
    sink.byte(46); // .
  }

  /** A paragraph of 2-7 sentences. */
  paragraph(sink: ByteSink, rng: Rng, sentences = rng.int(2, 7)): void {
    for (let i = 0; i < sentences; i++) {
      if (i > 0) sink.byte(32);
      this.sentence(sink, rng);
    }
  }

  /** A few capitalised words, e.g. for a title. */
  title(rng: Rng, min = 2, max = 6): string {
    const n = rng.int(min, max);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const w = this.word(rng);
      out.push(w[0]!.toUpperCase() + w.slice(1));
    }
    return out.join(' ');
  }

  /** Lowercase words joined by `-`, for file names, URLs and slugs. */
  slug(rng: Rng, min = 1, max = 3): string {
    const n = rng.int(min, max);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.word(rng));
    return out.join('-');
  }
}
