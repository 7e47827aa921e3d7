// RFC 3339 timestamps as ASL accepts them (uppercase `T`, `Z` or a numeric offset, optional fraction), compared
// to the nanosecond so that `TimestampEquals` is exact.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

export interface Instant {
  /** Milliseconds since the epoch (UTC). */
  ms: number;
  /** Nanoseconds within the millisecond, 0-999999, for exact comparisons. */
  subMsNanos: number;
}

export function parseTimestamp(value: unknown): Instant | undefined {
  if (typeof value !== 'string') return undefined;
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return undefined;
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  const probe = new Date(ms);
  if (probe.getUTCDate() !== day) return undefined; // e.g. 2023-02-30
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    const [oh, om] = zone!.slice(1).split(':').map(Number);
    ms -= sign * (oh! * 60 + om!) * 60_000;
  }
  const nanos = Number((frac ?? '').padEnd(9, '0') || '0');
  return { ms: ms + Math.floor(nanos / 1_000_000), subMsNanos: nanos % 1_000_000 };
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.subMsNanos - b.subMsNanos;
}
