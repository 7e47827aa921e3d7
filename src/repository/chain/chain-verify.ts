// What the snapshot chain, the snapshots present and a client's memory say together (pure). Errors are what no
// stepvault run leaves behind: an entry removed or damaged, a snapshot gone that was never forgotten, a forgotten
// one back again, the heads a client saw gone (a rollback). Notes are states a crash can leave, which the next
// writer settles. Every finding names its object.

import type { ChainState } from './chain-state.ts';

export interface ChainFinding {
  /** "chain/1a2b…", "snapshot 3c4d…". */
  object: string;
  message: string;
  severity: 'error' | 'note';
}

export interface ChainEvidence {
  state: ChainState;
  /** IDs of the snapshot objects in storage, readable or not. */
  present: ReadonlySet<string>;
  /** Snapshots with a valid tombstone (forgotten before the chain existed, or by any forget). */
  tombstoned: ReadonlySet<string>;
  /** The chain heads each readable snapshot recorded when it was written (snapshots of older versions have none). */
  snapshotHeads: ReadonlyMap<string, readonly string[]>;
  /** What this client saw before: chain entries and snapshot IDs. */
  remembered?: { entries: ReadonlySet<string>; snapshots: ReadonlySet<string> };
}

const short = (id: string) => id.slice(0, 8);

export function verifyChain(evidence: ChainEvidence): ChainFinding[] {
  const { state, present, tombstoned, remembered } = evidence;
  const findings: ChainFinding[] = [];
  const error = (object: string, message: string) => findings.push({ object, message, severity: 'error' });
  const note = (object: string, message: string) => findings.push({ object, message, severity: 'note' });
  const forgotten = (id: string) => state.forgotten.has(id) || tombstoned.has(id);

  for (const u of state.unreadable) error(`chain/${u.name}`, u.error);
  for (const d of state.dangling) {
    const entry = state.entries.get(d.entry)!;
    error(
      `chain/${d.missing}`,
      `is gone, but entry ${short(d.entry)} (#${entry.seq}, ${entry.time}) follows it: an entry of the snapshot chain was removed`,
    );
  }
  const missingEntry = (name: string) =>
    !state.entries.has(name) && !state.unreadable.some((u) => u.name === name);
  const reported = new Set(state.dangling.map((d) => d.missing));
  for (const [id, heads] of evidence.snapshotHeads) {
    for (const head of heads) {
      if (!missingEntry(head) || reported.has(head)) continue;
      reported.add(head);
      error(
        `chain/${head}`,
        `is gone, but snapshot ${short(id)} was written after it: an entry of the snapshot chain was removed`,
      );
    }
  }
  for (const [id, entries] of state.added) {
    if (present.has(id) || forgotten(id)) continue;
    const entry = entries[0]!;
    error(
      `snapshot ${id}`,
      `is recorded in the snapshot chain (entry ${short(entry.name)}, ${entry.time}) but is gone without being forgotten: deleted outside stepvault, or the storage was rolled back`,
    );
  }
  for (const id of present) {
    const by = state.forgotten.get(id);
    if (tombstoned.has(id)) {
      // A tombstone is written only once its snapshot is removed: present again means put back.
      error(
        `snapshot ${id}`,
        `was forgotten and removed${by ? ` (chain entry ${short(by.name)}, ${by.time})` : ''} but is present again: put back by someone. It is not used; \`stepvault prune\` removes it`,
      );
    } else if (by) {
      note(
        `snapshot ${id}`,
        `was forgotten (chain entry ${short(by.name)}, ${by.time}) but is still present: a forget was interrupted, or was not allowed to delete it. It is not used; \`stepvault prune\` removes it`,
      );
    } else if (!state.added.has(id)) {
      note(
        `snapshot ${id}`,
        'is not recorded in the snapshot chain yet (written by an earlier version, or by a backup interrupted before it recorded it): the next backup records it',
      );
    }
  }
  if (remembered) {
    for (const head of remembered.entries) {
      if (missingEntry(head) && !reported.has(head)) {
        error(
          `chain/${head}`,
          'was seen by this client and is gone: the repository was rolled back to an older state, or entries of its snapshot chain were removed',
        );
      }
    }
    for (const id of remembered.snapshots) {
      if (!present.has(id) && !forgotten(id) && !state.added.has(id)) {
        error(
          `snapshot ${id}`,
          'was seen in this repository before and is gone without being forgotten: deleted outside stepvault, or the storage was rolled back',
        );
      }
    }
  }
  return findings;
}
