// How many file descriptors this process may hold open: the soft RLIMIT_NOFILE (Node raises it to the hard limit
// at startup), read from /proc/self/limits. Code that keeps many descriptors open sizes its caches from it.

import * as fs from 'node:fs';

/** Assumed where the limit cannot be read: the usual default soft limit. */
const FALLBACK = 1024;

export function descriptorLimit(limits = '/proc/self/limits'): number {
  let text: string;
  try {
    text = fs.readFileSync(limits, 'utf8');
  } catch {
    return FALLBACK;
  }
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === 'unlimited') return Number.MAX_SAFE_INTEGER;
  const value = Number(soft);
  return Number.isInteger(value) && value > 0 ? value : FALLBACK;
}

/** A share of the limit for one use, between `min` and `max`. */
export function descriptorShare(
  fraction: number,
  min: number,
  max: number,
  limit = descriptorLimit(),
): number {
  return Math.max(min, Math.min(max, Math.floor(limit * fraction)));
}
