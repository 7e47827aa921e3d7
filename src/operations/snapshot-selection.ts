// What the --host / --tag / --path options of `snapshots`, `copy` and `restore-test` select, with restic's
// meaning: any of the hosts; any of the tag entries, each "a,b" requiring all its tags; all of the paths.

import type { Snapshot } from '../domain/snapshot.ts';

export interface SnapshotSelection {
  hosts?: readonly string[];
  /** Each entry is "a,b" (all of these tags); a snapshot matches if any entry matches. */
  tags?: readonly string[];
  /** Snapshots whose paths include all of these. */
  paths?: readonly string[];
}

export function matchesSelection(s: Snapshot, selection: SnapshotSelection): boolean {
  if (selection.hosts?.length && !selection.hosts.includes(s.host)) return false;
  if (selection.paths?.length && !selection.paths.every((p) => s.paths.includes(p))) return false;
  if (
    selection.tags?.length &&
    !selection.tags.some((spec) => spec.split(',').every((t) => s.tags.includes(t)))
  )
    return false;
  return true;
}
