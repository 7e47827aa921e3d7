import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseCalendarDuration } from '../../domain/duration.ts';
import type { StoredSnapshot } from '../../domain/snapshot.ts';
import { pickSnapshot, sampleFiles, seededRandom } from './pick-snapshot.ts';

const snapshot = (id: string, time: string, host = 'h', tags: string[] = []): StoredSnapshot => ({
  id: id.padEnd(64, '0'),
  version: 1,
  time,
  host,
  username: 'u',
  paths: ['/data'],
  tags,
  tree: 'f'.repeat(64),
  source: { type: 'files' },
  program: 'stepvault test',
});

describe('pickSnapshot', () => {
  const all = [
    snapshot('a1', '2026-05-01T00:00:00Z'),
    snapshot('b2', '2026-05-20T00:00:00Z', 'h', ['daily']),
    snapshot('c3', '2026-05-28T00:00:00Z', 'other', ['daily']),
    snapshot('d4', '2026-05-30T00:00:00Z', 'h', ['weekly', 'daily']),
  ];
  const now = new Date('2026-06-01T00:00:00Z');

  it('takes the newest that matches, within the window', () => {
    assert.equal(pickSnapshot(all, {}, now, Math.random).snapshot.id, all[3]!.id);
    assert.equal(pickSnapshot(all, { hosts: ['other'] }, now, Math.random).snapshot.id, all[2]!.id);
    const { candidates } = pickSnapshot(all, { within: parseCalendarDuration('15d') }, now, Math.random);
    assert.equal(candidates, 3);
    assert.equal(pickSnapshot(all, { tags: ['weekly,daily'] }, now, Math.random).candidates, 1);
    assert.equal(pickSnapshot(all, { tags: ['weekly', 'daily'] }, now, Math.random).candidates, 3);
    assert.equal(pickSnapshot(all, { snapshot: 'b200' }, now, Math.random).snapshot.id, all[1]!.id);
    assert.throws(() => pickSnapshot(all, { within: parseCalendarDuration('1d') }, now, Math.random), {
      code: 'not-found',
    });
  });

  it('picks at random among the candidates, repeatably under a seed', () => {
    fc.assert(
      fc.property(fc.string(), (seed) => {
        const a = pickSnapshot(
          all,
          { snapshot: 'random', within: parseCalendarDuration('15d') },
          now,
          seededRandom(seed),
        );
        const b = pickSnapshot(
          all,
          { snapshot: 'random', within: parseCalendarDuration('15d') },
          now,
          seededRandom(seed),
        );
        assert.equal(a.snapshot.id, b.snapshot.id);
        assert.notEqual(a.snapshot.id, all[0]!.id, 'outside the window');
      }),
    );
    const picked = new Set(
      Array.from(
        { length: 40 },
        (_, i) => pickSnapshot(all, { snapshot: 'random' }, now, seededRandom(`${i}`)).snapshot.id,
      ),
    );
    assert.equal(picked.size, 4, 'every candidate can be picked');
  });
});

describe('sampleFiles', () => {
  it('takes a repeatable random subset within the share and the byte budget', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 10_000 }), { maxLength: 60 }),
        fc.option(fc.double({ min: 0.1, max: 100, noNaN: true }), { nil: undefined }),
        fc.option(fc.nat({ max: 50_000 }), { nil: undefined }),
        fc.string(),
        (sizes, percent, maxBytes, seed) => {
          const files = sizes.map((size, i) => ({ name: `f${i}`, size }));
          const sample = {
            ...(percent !== undefined ? { percent } : {}),
            ...(maxBytes !== undefined ? { maxBytes } : {}),
          };
          const chosen = sampleFiles(files, sample, seededRandom(seed));
          assert.deepEqual(sampleFiles(files, sample, seededRandom(seed)), chosen);
          assert.equal(new Set(chosen).size, chosen.length);
          if (percent !== undefined) assert.ok(chosen.length <= Math.ceil((files.length * percent) / 100));
          else if (maxBytes === undefined) assert.equal(chosen.length, files.length);
          if (maxBytes !== undefined) assert.ok(chosen.reduce((s, f) => s + f.size, 0) <= maxBytes);
          for (const f of chosen) assert.ok(files.includes(f));
        },
      ),
    );
  });
});
