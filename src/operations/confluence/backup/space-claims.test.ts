// How a fan-out deals a site into parts: every slice of every space in exactly one part, never more parts than
// asked, parts of about equal weight (the heaviest no heavier than a fair share plus one slice, the greedy bound),
// a space cut only when heavier than a share; and which items a claim takes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { claims, packParts } from './space-claims.ts';

test('every slice of every space lands in exactly one of at most `count` parts of about equal weight', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.stringMatching(/^[A-Z]{1,6}$/), fc.nat({ max: 50_000 }), { minKeys: 1, maxKeys: 40 }),
      fc.integer({ min: 1, max: 24 }),
      (raw, count) => {
        const weights = new Map(Object.entries(raw));
        const parts = packParts(weights, count);
        assert.ok(parts.length >= 1 && parts.length <= count);
        const total = [...weights.values()].reduce((n, w) => n + Math.max(1, w), 0);
        const share = total / count;
        const seen = new Map<string, Set<number>>();
        let heaviestSlice = 0;
        const partWeights = parts.map((part) => {
          assert.ok(part.length > 0, 'no empty part');
          let weight = 0;
          for (const claim of part) {
            const w = Math.max(1, weights.get(claim.space)!);
            heaviestSlice = Math.max(heaviestSlice, w / claim.of);
            weight += (w / claim.of) * claim.indices.length;
            const taken = seen.get(claim.space) ?? new Set<number>();
            for (const index of claim.indices) {
              assert.ok(index >= 0 && index < claim.of);
              assert.ok(!taken.has(index), `slice ${index} of ${claim.space} twice`);
              taken.add(index);
            }
            seen.set(claim.space, taken);
            // cut only when heavier than a share, and into no more slices than parts
            if (claim.of > 1) assert.ok(w > share * (claim.of - 1) - 1e-6 && claim.of <= count);
          }
          return weight;
        });
        for (const [space] of weights) {
          const of = parts.flat().find((c) => c.space === space)!.of;
          assert.equal(seen.get(space)?.size, of, `every slice of ${space}`);
        }
        assert.ok(Math.max(...partWeights) <= share + heaviestSlice + 1e-6);
      },
    ),
    { numRuns: 300 },
  );
});

test('the same weights give the same parts', () => {
  const weights = new Map([
    ['ENG', 9000],
    ['DOCS', 4000],
    ['OPS', 3000],
    ['HR', 10],
  ]);
  assert.deepEqual(packParts(weights, 4), packParts(new Map([...weights].reverse()), 4));
  // ENG is heavier than a quarter of 16,010: it is cut into three slices, the others stay whole
  const eng = packParts(weights, 4)
    .flat()
    .filter((c) => c.space === 'ENG');
  assert.deepEqual(
    eng.map((c) => c.of),
    eng.map(() => 3),
  );
});

test('a claim takes the items whose id modulo its slices count is one of its indices', () => {
  assert.equal(claims({ of: 1, indices: [0] }, '123'), true);
  assert.equal(claims({ of: 3, indices: [0, 2] }, '300'), true);
  assert.equal(claims({ of: 3, indices: [0, 2] }, '301'), false);
  assert.equal(claims({ of: 3, indices: [1] }, '98765432109876543211'), true); // beyond 2^53: exact
});
