// What a backup's metadata sweep covers: the whole site, nothing (metadata carried over from the parent), or one
// slice of a rolling sweep — the items whose id falls in slice `index` of `of` — so that a site too large to
// sweep in one backup is swept whole over `of` backups. The slice that opens a cycle (index 0) also reads the
// complete site-wide listings of attachments and comments and the spaces' metadata, as a whole sweep does.

import type { SiteRecord } from '../../../sources/confluence/layout.ts';

export type SweepScope = { kind: 'all' } | { kind: 'none' } | { kind: 'slice'; index: number; of: number };

export const SWEEP_ALL: SweepScope = { kind: 'all' };

/** Whether the sweep re-reads the metadata of the item (or attachment container) with this id. */
export function sweeps(scope: SweepScope, id: string): boolean {
  if (scope.kind !== 'slice') return scope.kind === 'all';
  return sliceOf(id, scope.of) === scope.index;
}

/** Whether the sweep reads the complete listings (attachments, comments, spaces' metadata). */
export function sweepsListings(scope: SweepScope): boolean {
  return scope.kind === 'all' || (scope.kind === 'slice' && scope.index === 0);
}

/** The slice of an id: numeric ids (Confluence's) by value, others by a stable string hash. */
export function sliceOf(id: string, of: number): number {
  if (/^\d{1,15}$/.test(id)) return Number(id) % of;
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % of;
}

/**
 * The slice a rolling sweep of `of` slices covers after the parent's backup: the one after the last one swept
 * (backups without a sweep carry it forward), or the second after a whole sweep (which covered the first as
 * well), or the first.
 */
export function nextSlice(parentSite: SiteRecord, of: number): SweepScope {
  const last = parentSite.sweepSlice;
  if (last && last.of === of) return { kind: 'slice', index: (last.index + 1) % of, of };
  if (parentSite.swept && !last) return { kind: 'slice', index: 1 % of, of };
  return { kind: 'slice', index: 0, of };
}
