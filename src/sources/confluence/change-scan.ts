// Walks a listing sorted newest first (`sort=-modified-date`) down to a watermark: what changed since the last
// backup, without listing everything. The walk goes a safety overlap past the watermark (clocks of the
// listing's servers and the moment of the last backup's listing are not exact), and reports the newest
// modification time it saw, the next watermark.

/** How far past the previous watermark a scan reads on. */
export const WATERMARK_OVERLAP_MS = 10 * 60 * 1000;

export interface ScanResult<T> {
  items: T[];
  /** The newest modification time seen (ISO 8601), or the previous watermark if nothing newer came. */
  newest: string | undefined;
}

/**
 * Items modified at or after `since - overlap` (all items when `since` is undefined). `modified` gives an item's
 * modification time (ISO 8601); items without one are kept.
 */
export async function scanSince<T>(
  items: AsyncIterable<T>,
  modified: (item: T) => string | null | undefined,
  since: string | undefined,
  overlapMs = WATERMARK_OVERLAP_MS,
): Promise<ScanResult<T>> {
  const out: T[] = [];
  const newest = await walkSince(items, modified, since, (item) => out.push(item), overlapMs);
  return { items: out, newest };
}

/**
 * As `scanSince`, handing each item to `take` as it comes instead of collecting them (a complete listing of a
 * large site is never held at once); returns the next watermark.
 */
export async function walkSince<T>(
  items: AsyncIterable<T>,
  modified: (item: T) => string | null | undefined,
  since: string | undefined,
  take: (item: T) => void,
  overlapMs = WATERMARK_OVERLAP_MS,
): Promise<string | undefined> {
  const stopBefore = since === undefined ? undefined : Date.parse(since) - overlapMs;
  let newest = since === undefined ? undefined : Date.parse(since);
  for await (const item of items) {
    const at = modified(item);
    const time = at ? Date.parse(at) : Number.NaN;
    if (!Number.isNaN(time)) {
      if (stopBefore !== undefined && time < stopBefore) break;
      if (newest === undefined || time > newest) newest = time;
    }
    take(item);
  }
  return newest === undefined ? undefined : new Date(newest).toISOString();
}

/** The earlier of two ISO 8601 times. */
export function earlierOf(a: string, b: string): string {
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

/** The later of two ISO 8601 times (either may be absent). */
export function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}
