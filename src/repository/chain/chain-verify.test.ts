import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStepvaultError } from '../../common/errors.ts';
import { type ChainEvent, decodeChainEntry, encodeChainEntry, type StoredChainEntry } from './chain-entry.ts';
import { chainState } from './chain-state.ts';
import { type ChainEvidence, verifyChain } from './chain-verify.ts';

const id = (label: string) => createHash('sha256').update(label).digest('hex');

/** Builds entries the way writers do: each names the heads before it. */
function chain(events: [ChainEvent, string[]][], forkAt?: number): StoredChainEntry[] {
  const entries: StoredChainEntry[] = [];
  for (const [i, [event, snapshots]] of events.entries()) {
    const state = chainState(forkAt !== undefined && i === forkAt + 1 ? entries.slice(0, -1) : entries);
    const entry = {
      version: 1 as const,
      seq: state.nextSeq,
      prev: state.heads,
      time: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
      host: 'h',
      event,
      snapshots: snapshots.map(id),
    };
    const name = id(encodeChainEntry(entry).toString());
    entries.push({ ...entry, name });
  }
  return entries;
}

function evidence(
  entries: StoredChainEntry[],
  present: string[],
  extra: Partial<ChainEvidence> = {},
): ChainEvidence {
  return {
    state: chainState(entries),
    present: new Set(present.map(id)),
    tombstoned: new Set(),
    snapshotHeads: new Map(),
    ...extra,
  };
}

const errors = (e: ChainEvidence) => verifyChain(e).filter((f) => f.severity === 'error');

describe('snapshot chain', () => {
  const history = chain([
    ['snapshot', ['a']],
    ['snapshot', ['b']],
    ['forget', ['a']],
    ['snapshot', ['c']],
  ]);

  it('finds nothing wrong with an intact history', () => {
    assert.deepEqual(verifyChain(evidence(history, ['b', 'c'])), []);
    const state = chainState(history);
    assert.deepEqual(state.heads, [history[3]!.name]);
    assert.equal(state.nextSeq, 4);
  });

  it('names an entry removed from the middle', () => {
    const found = errors(
      evidence(
        history.filter((_, i) => i !== 1),
        ['b', 'c'],
      ),
    );
    assert.equal(found.length, 1);
    assert.equal(found[0]!.object, `chain/${history[1]!.name}`);
    assert.match(found[0]!.message, /entry of the snapshot chain was removed/);
  });

  it('names a snapshot deleted without being forgotten, and one forgotten but put back', () => {
    const deleted = errors(evidence(history, ['c']));
    assert.deepEqual(
      deleted.map((f) => f.object),
      [`snapshot ${id('b')}`],
    );
    // Forgotten, removed (its tombstone written after the removal), then put back.
    const putBack = errors(evidence(history, ['a', 'b', 'c'], { tombstoned: new Set([id('a')]) }));
    assert.deepEqual(
      putBack.map((f) => f.object),
      [`snapshot ${id('a')}`],
    );
    assert.match(putBack[0]!.message, /forgotten and removed .* but is present again/);
    // Forgotten but never removed (an interrupted forget, or one not allowed to delete): a note, not tampering.
    const left = verifyChain(evidence(history, ['a', 'b', 'c']));
    assert.deepEqual(
      left.map((f) => [f.severity, f.object]),
      [['note', `snapshot ${id('a')}`]],
    );
    // A tombstone alone (a forget before the chain existed) counts too.
    const tombstoned = errors(evidence(history.slice(0, 2), ['a', 'b'], { tombstoned: new Set([id('a')]) }));
    assert.match(tombstoned[0]!.message, /present again/);
  });

  it('notes a snapshot no entry records (an interrupted backup), without calling it an error', () => {
    const found = verifyChain(evidence(history, ['b', 'c', 'd']));
    assert.deepEqual(
      found.map((f) => [f.severity, f.object]),
      [['note', `snapshot ${id('d')}`]],
    );
  });

  it('names the newest entry when a snapshot written after it says so', () => {
    const cut = history.slice(0, 3);
    const found = errors(
      evidence(cut, ['b', 'c'], {
        snapshotHeads: new Map([[id('c'), [history[2]!.name, history[3]!.name]]]),
      }),
    );
    assert.deepEqual(
      found.map((f) => f.object),
      [`chain/${history[3]!.name}`],
    );
  });

  it("notices a rollback through the client's record: a head it saw is gone", () => {
    const rolledBack = history.slice(0, 2);
    const found = errors(
      evidence(rolledBack, ['a', 'b'], {
        remembered: { entries: new Set([history[3]!.name]), snapshots: new Set([id('b'), id('c')]) },
      }),
    );
    assert.deepEqual(
      found.map((f) => f.object).sort(),
      [`chain/${history[3]!.name}`, `snapshot ${id('c')}`].sort(),
    );
    assert.match(found.find((f) => f.object.startsWith('chain/'))!.message, /rolled back/);
  });

  it('accepts forks of concurrent writers, and the next entry joins them', () => {
    const forked = chain(
      [
        ['snapshot', ['a']],
        ['snapshot', ['b']],
        ['snapshot', ['c']],
      ],
      1,
    );
    const state = chainState(forked);
    assert.equal(state.heads.length, 2, 'b and c were both written after a');
    assert.deepEqual(verifyChain(evidence(forked, ['a', 'b', 'c'])), []);
    const joined = chainState([
      ...forked,
      ...chain([['snapshot', ['d']]]).map((e) => ({ ...e, prev: state.heads })),
    ]);
    assert.equal(joined.heads.length, 1);
    assert.equal(joined.dangling.length, 0);
  });

  it('decodes only well-formed entries', () => {
    const good = history[1]!;
    const { name, ...entry } = good;
    assert.deepEqual(decodeChainEntry(encodeChainEntry(entry), name), good);
    const bad = (value: unknown) => () => decodeChainEntry(Buffer.from(JSON.stringify(value)), name);
    for (const value of [
      null,
      [],
      { ...entry, version: 2 },
      { ...entry, seq: -1 },
      { ...entry, prev: ['x'] },
      { ...entry, event: 'delete' },
      { ...entry, time: 'yesterday' },
      { ...entry, prev: [], seq: 3 },
    ]) {
      assert.throws(bad(value), (e) => isStepvaultError(e, 'corrupt'));
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          decodeChainEntry(Buffer.from(bytes), name);
        } catch (e) {
          assert.ok(isStepvaultError(e, 'corrupt'));
        }
      }),
      { numRuns: 300 },
    );
  });
});
