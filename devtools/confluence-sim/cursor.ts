// Keyset pagination with opaque cursors, as the Confluence v2 API does it. A cursor remembers the sort key and
// the id of the last item returned; the next page starts strictly after that position. So, under concurrent
// edits, an item is never returned twice for the same key, items added behind the cursor are skipped, items
// whose sort key moves past the cursor show up again (a client dedupes by id and version), and a deleted item
// never breaks the walk. Cursors are authenticated: a forged or edited cursor is rejected (400).

import { createHmac, timingSafeEqual } from 'node:crypto';

export type SortKey = string | number;

export interface SortSpec<T> {
  /** Name as it appears in the `sort` parameter (e.g. `-modified-date`); cursors are bound to it. */
  name: string;
  key: (item: T) => SortKey;
  id: (item: T) => string;
  descending: boolean;
}

export interface CursorPosition {
  key: SortKey;
  id: string;
}

/** Numeric value of a Confluence id (`123`, `att123`), used as the tie-breaker of every sort. */
export function idNumber(id: string): number {
  const plain = Number(id);
  if (Number.isSafeInteger(plain)) return plain;
  const digits = /(\d+)$/.exec(id);
  return digits ? Number(digits[1]) : 0;
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

interface Positioned<T> {
  item: T;
  key: SortKey;
  id: string;
  num: number;
}

function compareParts(
  a: Omit<Positioned<unknown>, 'item'>,
  b: Omit<Positioned<unknown>, 'item'>,
  descending: boolean,
): number {
  const byKey = compareKeys(a.key, b.key) || a.num - b.num || compareKeys(a.id, b.id);
  return descending ? -byKey : byKey;
}

/** Order of two positions under a sort: key first, then id, both in the sort's direction. */
export function comparePositions(a: CursorPosition, b: CursorPosition, descending: boolean): number {
  return compareParts({ ...a, num: idNumber(a.id) }, { ...b, num: idNumber(b.id) }, descending);
}

export interface Page<T> {
  results: T[];
  /** Position of the last result when more items follow it, else undefined. */
  next: CursorPosition | undefined;
}

/** The `limit` items that follow `after` under `spec` (from the start when `after` is undefined). */
export function pageAfter<T>(
  items: Iterable<T>,
  spec: SortSpec<T>,
  after: CursorPosition | undefined,
  limit: number,
): Page<T> {
  const from = after && { ...after, num: idNumber(after.id) };
  const positioned: Positioned<T>[] = [];
  for (const item of items) {
    const id = spec.id(item);
    const p = { item, key: spec.key(item), id, num: idNumber(id) };
    if (from === undefined || compareParts(p, from, spec.descending) > 0) positioned.push(p);
  }
  positioned.sort((a, b) => compareParts(a, b, spec.descending));
  const slice = positioned.slice(0, limit);
  const last = slice.at(-1);
  return {
    results: slice.map((p) => p.item),
    next: positioned.length > limit && last ? { key: last.key, id: last.id } : undefined,
  };
}

/** Encodes positions into opaque, tamper-evident cursor strings and back. */
export class CursorCodec {
  readonly #secret: string;

  constructor(secret: string) {
    this.#secret = secret;
  }

  encode(sortName: string, position: CursorPosition): string {
    const payload = Buffer.from(JSON.stringify([sortName, position.key, position.id]), 'utf8');
    return `${payload.toString('base64url')}.${this.#tag(payload)}`;
  }

  /** The position in `cursor`, or undefined when it is malformed, forged, or made for another sort. */
  decode(cursor: string, sortName: string): CursorPosition | undefined {
    const dot = cursor.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = Buffer.from(cursor.slice(0, dot), 'base64url');
    const tag = Buffer.from(cursor.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.#tag(payload), 'utf8');
    if (tag.length !== expected.length || !timingSafeEqual(tag, expected)) return undefined;
    try {
      const parsed: unknown = JSON.parse(payload.toString('utf8'));
      if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
      const [name, key, id] = parsed as unknown[];
      if (name !== sortName || typeof id !== 'string') return undefined;
      if (typeof key !== 'string' && typeof key !== 'number') return undefined;
      return { key, id };
    } catch {
      return undefined;
    }
  }

  #tag(payload: Buffer): string {
    return createHmac('sha256', this.#secret).update(payload).digest('base64url').slice(0, 16);
  }
}
