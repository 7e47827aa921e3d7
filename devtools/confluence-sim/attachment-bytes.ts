// Attachment contents. Generated files are described by a seed and a size and produced on demand, from any
// offset, so a site with gigabytes of attachments costs no memory and a download can be resumed with Range.
// `random` bytes are an AES-CTR keystream (incompressible, fast); `text` is seeded log/CSV-like lines
// (compressible); uploaded files and small generated images are kept as stored bytes.

import { createCipheriv, createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { Prng } from './prng.ts';

export type ByteSource =
  | { kind: 'random'; seed: number; size: number }
  | { kind: 'text'; seed: number; size: number }
  | { kind: 'stored'; bytes: Buffer };

const CHUNK = 64 * 1024;
const TEXT_BLOCK = 4096;

export function sizeOf(source: ByteSource): number {
  return source.kind === 'stored' ? source.bytes.length : source.size;
}

/** Bytes `[start, end)` of the source in chunks of at most 64 KiB. */
export function* chunksOf(source: ByteSource, start = 0, end = sizeOf(source)): Generator<Buffer> {
  end = Math.min(end, sizeOf(source));
  if (start >= end) return;
  if (source.kind === 'stored') {
    for (let at = start; at < end; at += CHUNK) yield source.bytes.subarray(at, Math.min(end, at + CHUNK));
  } else if (source.kind === 'random') {
    yield* randomChunks(source.seed, start, end);
  } else {
    yield* textChunks(source.seed, start, end);
  }
}

function* randomChunks(seed: number, start: number, end: number): Generator<Buffer> {
  const key = createHash('sha256').update(`attachment-bytes:${seed}`).digest();
  const iv = Buffer.alloc(16);
  const block = Math.floor(start / 16);
  iv.writeUInt32BE(Math.floor(block / 0x1_0000_0000), 8);
  iv.writeUInt32BE(block % 0x1_0000_0000, 12);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  let skip = start - block * 16;
  let at = start;
  const zeros = Buffer.alloc(CHUNK + 16);
  while (at < end) {
    const want = Math.min(CHUNK, end - at);
    const out = cipher.update(zeros.subarray(0, want + skip));
    yield out.subarray(skip, skip + want);
    skip = 0;
    at += want;
  }
}

function textBlock(seed: number, index: number): Buffer {
  const rng = new Prng('text-attachment', seed, index);
  const levels = ['INFO', 'WARN', 'DEBUG', 'ERROR'];
  const words = ['backup', 'page', 'space', 'request', 'retry', 'chunk', 'index', 'user', 'sync', 'ok'];
  let text = '';
  while (text.length < TEXT_BLOCK) {
    const line = rng.chance(0.5)
      ? `2026-01-${String(rng.int(1, 28)).padStart(2, '0')}T${String(rng.int(0, 23)).padStart(2, '0')}:00:00Z ${rng.pick(levels)} ${rng.pick(words)} ${rng.pick(words)} id=${rng.int(1, 99999)}`
      : `${rng.int(1, 999)},${rng.pick(words)},${rng.pick(words)},${(rng.next() * 1000).toFixed(2)}`;
    text += `${line}\n`;
  }
  return Buffer.from(text.slice(0, TEXT_BLOCK), 'latin1');
}

function* textChunks(seed: number, start: number, end: number): Generator<Buffer> {
  let at = start;
  while (at < end) {
    const index = Math.floor(at / TEXT_BLOCK);
    const offset = at - index * TEXT_BLOCK;
    const want = Math.min(TEXT_BLOCK - offset, end - at);
    yield textBlock(seed, index).subarray(offset, offset + want);
    at += want;
  }
}

/** SHA-256 (hex) of the whole source, streamed. */
export function sha256Of(source: ByteSource): string {
  const hash = createHash('sha256');
  for (const chunk of chunksOf(source)) hash.update(chunk);
  return hash.digest('hex');
}

/** All bytes at once: for small sources and tests only. */
export function bytesOf(source: ByteSource): Buffer {
  return Buffer.concat([...chunksOf(source)]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A small, valid PNG (so that pages' images render in a browser): seeded stripes of colour. */
export function generatePng(seed: number): Buffer {
  const rng = new Prng('png', seed);
  const width = rng.int(8, 96);
  const height = rng.int(8, 96);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: RGB
  const stripes = Array.from({ length: rng.int(2, 6) }, () => [
    rng.int(0, 255),
    rng.int(0, 255),
    rng.int(0, 255),
  ]);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    const colour = stripes[Math.floor((y / height) * stripes.length)]!;
    for (let x = 0; x < width; x++) raw.set(colour, row + 1 + x * 3);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
