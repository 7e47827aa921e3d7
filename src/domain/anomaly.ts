// The anomaly guard's rule: a backup that saw more deleted or changed pages than a plan allows (mass deletion,
// ransomware-like rewriting) is suspect. Thresholds are a count ("more than 50 pages") or a percentage of the
// pages the previous snapshot held ("more than 10%"). Pure: the caller supplies the counts.

import { StepvaultError } from '../common/errors.ts';

export type Threshold = { count: number } | { percent: number };

export interface AnomalyThresholds {
  maxDeletedPages?: Threshold;
  maxChangedPages?: Threshold;
}

/** What a backup saw compared with its parent snapshot. */
export interface ContentChanges {
  /** Pages (and blog posts) in the parent snapshot: the base of percentages. */
  pagesBefore: number;
  pagesDeleted: number;
  pagesChanged: number;
}

export interface AnomalyFinding {
  kind: 'deleted' | 'changed';
  observed: number;
  base: number;
  /** The threshold as written: "50" or "10%". */
  limit: string;
}

/** `50` or `"50"` is a count, `"10%"` a percentage (0 to 100, decimals allowed). */
export function parseThreshold(value: number | string): Threshold {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return { count: value };
  } else {
    const text = value.trim();
    const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
    if (percent) {
      const p = Number(percent[1]);
      if (p <= 100) return { percent: p };
    } else if (/^\d+$/.test(text)) return { count: Number(text) };
  }
  throw new StepvaultError('usage', `invalid anomaly threshold ${JSON.stringify(value)}`, {
    hint: 'give a number of pages (e.g. 50) or a percentage of the pages of the previous snapshot (e.g. "10%")',
  });
}

export function formatThreshold(t: Threshold): string {
  return 'count' in t ? String(t.count) : `${t.percent}%`;
}

/** Whether `observed` is more than the threshold allows (a percentage of an empty base never triggers). */
export function exceeds(observed: number, base: number, t: Threshold): boolean {
  if ('count' in t) return observed > t.count;
  if (base <= 0) return false;
  return observed * 100 > t.percent * base;
}

/** The thresholds a backup's changes exceed; empty when the backup looks normal. */
export function detectAnomalies(changes: ContentChanges, thresholds: AnomalyThresholds): AnomalyFinding[] {
  const findings: AnomalyFinding[] = [];
  const base = changes.pagesBefore;
  const check = (kind: AnomalyFinding['kind'], observed: number, t: Threshold | undefined) => {
    if (t && exceeds(observed, base, t)) findings.push({ kind, observed, base, limit: formatThreshold(t) });
  };
  check('deleted', changes.pagesDeleted, thresholds.maxDeletedPages);
  check('changed', changes.pagesChanged, thresholds.maxChangedPages);
  return findings;
}

export function describeFinding(f: AnomalyFinding): string {
  const share = f.base > 0 ? ` (${((f.observed * 100) / f.base).toFixed(1)}% of ${f.base})` : '';
  return `${f.observed} pages ${f.kind}${share}, more than the limit of ${f.limit}`;
}
