// Seeded attachments for generated pages and blog posts: images (small valid PNGs that browsers render), text
// files (compressible) and binaries (incompressible) with log-uniform sizes from a few bytes to several MiB,
// some identical to others (to exercise deduplication) and some with several versions. Only images hold bytes;
// the rest are produced from their seed when downloaded.

import { type ByteSource, generatePng, sizeOf } from './attachment-bytes.ts';
import { mediaTypeFor } from './attachment-ops.ts';
import type { Attachment, AttachmentVersion, Content } from './model.ts';
import { type Prng, pseudoUuid } from './prng.ts';
import type { SimStore } from './store.ts';
import { word } from './text-corpus.ts';

export interface AttachmentSizes {
  /** Share of binaries that are "medium" (64 KiB - 1 MiB). @default 0.18 */
  mediumFraction: number;
  /** Share of binaries that are "large" (1 MiB - maxBytes). @default 0.02 */
  largeFraction: number;
  /** Largest generated file. @default 8 MiB */
  maxBytes: number;
}

export const DEFAULT_SIZES: AttachmentSizes = {
  mediumFraction: 0.18,
  largeFraction: 0.02,
  maxBytes: 8 * 1024 * 1024,
};

const TEXT_EXT = ['txt', 'csv', 'log', 'json'];
const BINARY_EXT = ['pdf', 'zip', 'bin', 'docx', 'xlsx'];

function binarySize(rng: Prng, sizes: AttachmentSizes): number {
  const roll = rng.next();
  if (roll < sizes.largeFraction) return rng.logUniform(1024 * 1024, sizes.maxBytes);
  if (roll < sizes.largeFraction + sizes.mediumFraction) return rng.logUniform(64 * 1024, 1024 * 1024);
  return rng.logUniform(1, 64 * 1024);
}

export interface AttachmentPlan {
  container: Content;
  /** Creation time of the first version. */
  at: number;
  authorId: string;
}

interface Made {
  source: ByteSource;
  ext: string;
}

export class AttachmentGenerator {
  readonly #store: SimStore;
  readonly #rng: Prng;
  readonly #sizes: AttachmentSizes;
  readonly #anchor: number;
  readonly #made: Made[] = [];
  totalBytes = 0;

  constructor(store: SimStore, rng: Prng, sizes: AttachmentSizes, anchor: number) {
    this.#store = store;
    this.#rng = rng;
    this.#sizes = sizes;
    this.#anchor = anchor;
  }

  #content(): Made {
    const rng = this.#rng;
    if (this.#made.length > 0 && rng.chance(0.05)) return rng.pick(this.#made); // an identical file elsewhere
    const roll = rng.next();
    const seed = rng.uint32();
    let made: Made;
    if (roll < 0.3) made = { source: { kind: 'stored', bytes: generatePng(seed) }, ext: 'png' };
    else if (roll < 0.6)
      made = { source: { kind: 'text', seed, size: binarySize(rng, this.#sizes) }, ext: rng.pick(TEXT_EXT) };
    else
      made = {
        source: { kind: 'random', seed, size: binarySize(rng, this.#sizes) },
        ext: rng.pick(BINARY_EXT),
      };
    this.#made.push(made);
    return made;
  }

  #filename(container: Content, ext: string): string {
    const rng = this.#rng;
    const existing = new Set(this.#store.attachmentsOf(container.id).map((a) => a.versions.at(-1)!.title));
    const base = rng.chance(0.15)
      ? `${word(rng)} ${word(rng)} (${rng.int(1, 9)})`
      : `${word(rng)}-${word(rng)}`;
    let name = `${base}.${ext}`;
    for (let n = 2; existing.has(name); n++) name = `${base}-${n}.${ext}`;
    return name;
  }

  add(plan: AttachmentPlan): Attachment {
    const rng = this.#rng;
    const made = this.#content();
    const id = this.#store.newId('att');
    const title = this.#filename(plan.container, made.ext);
    const versionCount = rng.chance(0.1) ? rng.int(2, 3) : 1;
    const versions: AttachmentVersion[] = [];
    let at = plan.at;
    for (let n = 1; n <= versionCount; n++) {
      const source: ByteSource =
        n === versionCount || made.source.kind === 'stored'
          ? made.source
          : { ...made.source, seed: rng.uint32(), size: Math.max(1, Math.floor(sizeOf(made.source) * 0.8)) };
      versions.push({
        number: n,
        createdAt: at,
        authorId: plan.authorId,
        message: n === 1 ? '' : `version ${n}`,
        minorEdit: false,
        title,
        mediaType: mediaTypeFor(title),
        comment: rng.chance(0.3) ? `Uploaded ${word(rng)}` : '',
        fileId: pseudoUuid(this.#store.siteName, id, n),
        bytes: source,
      });
      this.totalBytes += sizeOf(source);
      at += Math.floor(rng.next() * Math.max(1, this.#anchor - at) * 0.3);
    }
    const attachment: Attachment = {
      id,
      containerId: plan.container.id,
      status: 'current',
      createdAt: plan.at,
      versions,
      labels: [],
      properties: [],
    };
    this.#store.addAttachment(attachment);
    return attachment;
  }
}
