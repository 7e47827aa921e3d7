import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStepvaultError } from '../../common/errors.ts';
import type { StoredSnapshot } from '../../domain/snapshot.ts';
import { decodeSnapshot, resolveSnapshot } from './snapshot-store.ts';

const snap = (id: string, time: string, host = 'h'): StoredSnapshot => ({
  id,
  time,
  host,
  username: 'u',
  paths: ['/x'],
  tags: [],
  tree: 'a'.repeat(64),
  source: { type: 'files' },
  program: 'p',
  version: 1,
});

describe('snapshot store', () => {
  it('decodes valid snapshots and rejects anything else as corrupt, never crashing', () => {
    const { id: _, ...valid } = snap('1'.repeat(64), '2026-01-01T00:00:00Z');
    assert.equal(decodeSnapshot(Buffer.from(JSON.stringify(valid)), 'x').host, 'h');
    const check = (bytes: Buffer) => {
      try {
        decodeSnapshot(bytes, 'fuzz');
      } catch (e) {
        assert.ok(isStepvaultError(e, 'corrupt'), String(e));
      }
    };
    fc.assert(
      fc.property(fc.jsonValue(), (v) => check(Buffer.from(JSON.stringify(v)))),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...Object.keys(valid)), fc.jsonValue()), (patch) =>
        check(Buffer.from(JSON.stringify({ ...valid, ...patch }))),
      ),
      { numRuns: 500 },
    );
  });

  it('reads the original of a copy, and refuses one that is not a snapshot ID', () => {
    const { id: _, ...valid } = snap('1'.repeat(64), '2026-01-01T00:00:00Z');
    const copy = { ...valid, original: 'b'.repeat(64) };
    assert.equal(decodeSnapshot(Buffer.from(JSON.stringify(copy)), 'x').original, 'b'.repeat(64));
    for (const original of ['b'.repeat(63), 'B'.repeat(64), 42, null])
      assert.throws(
        () => decodeSnapshot(Buffer.from(JSON.stringify({ ...valid, original })), 'x'),
        /bad original/,
      );
  });

  it('resolves latest (with filters), unique prefixes, and explains the rest', () => {
    const all = [
      snap('aaaa1111'.repeat(8), '2026-01-01T00:00:00Z'),
      snap('aaaa2222'.repeat(8), '2026-02-01T00:00:00Z', 'other'),
    ];
    assert.equal(resolveSnapshot(all, 'latest').host, 'other');
    assert.equal(resolveSnapshot(all, 'latest', { hosts: ['h'] }).id, all[0]!.id);
    assert.equal(resolveSnapshot(all, 'aaaa2').id, all[1]!.id);
    assert.throws(() => resolveSnapshot(all, 'aaaa'), /matches 2 snapshots/);
    assert.throws(
      () => resolveSnapshot(all, 'bbbb'),
      (e) => isStepvaultError(e, 'not-found'),
    );
    assert.throws(
      () => resolveSnapshot(all, 'x!'),
      (e) => isStepvaultError(e, 'usage'),
    );
    assert.throws(
      () => resolveSnapshot([], 'latest'),
      (e) => isStepvaultError(e, 'not-found'),
    );
  });
});
