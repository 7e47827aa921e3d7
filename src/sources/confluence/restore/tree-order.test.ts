import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  childrenByParent,
  creationOrder,
  reorderMoves,
  selectSubtree,
  type TreeEntry,
} from './tree-order.ts';

const tree: TreeEntry[] = [
  { id: '5', parentId: '1', position: 2 },
  { id: '1', position: 0 },
  { id: '3', parentId: '1', position: 0 },
  { id: '4', parentId: '3', position: 0 },
  { id: '2', position: 1 },
  { id: '6', parentId: '1', position: 1 },
  { id: '7', parentId: '99', position: 0 },
];

test('parents come before children, siblings in position order, unknown parents make roots', () => {
  const { order, detached } = creationOrder(tree);
  assert.deepEqual(
    order.map((e) => e.id),
    ['1', '3', '4', '6', '5', '7', '2'],
  );
  assert.deepEqual(
    detached.map((e) => e.id),
    ['7'],
  );
  assert.deepEqual(
    childrenByParent(tree)
      .get('1')
      ?.map((e) => e.id),
    ['3', '6', '5'],
  );
});

test('a parent cycle is broken, never looped on', () => {
  const { order, detached } = creationOrder([
    { id: 'a', parentId: 'b', position: 0 },
    { id: 'b', parentId: 'a', position: 1 },
  ]);
  assert.equal(order.length, 2);
  assert.deepEqual(
    detached.map((e) => e.id),
    ['a'],
  );
});

test('a subtree is the page and what is below it', () => {
  assert.deepEqual(
    selectSubtree(tree, '1', true).map((e) => e.id),
    ['1', '3', '4', '6', '5'],
  );
  assert.deepEqual(
    selectSubtree(tree, '3', false).map((e) => e.id),
    ['3'],
  );
  assert.deepEqual(selectSubtree(tree, 'nope', true), []);
});

function apply(current: string[], moves: ReturnType<typeof reorderMoves>): string[] {
  const order = [...current];
  for (const m of moves) {
    order.splice(order.indexOf(m.id), 1);
    order.splice(order.indexOf(m.targetId) + (m.position === 'after' ? 1 : 0), 0, m.id);
  }
  return order;
}

test('reorder moves: none when in order, few otherwise', () => {
  assert.deepEqual(reorderMoves(['a', 'x', 'b', 'c'], ['a', 'b', 'c']), []);
  assert.deepEqual(reorderMoves(['b', 'c', 'a'], ['a', 'b', 'c']), [
    { id: 'a', position: 'before', targetId: 'b' },
  ]);
  assert.deepEqual(reorderMoves(['a', 'c', 'b'], ['a', 'b', 'c']), [
    { id: 'b', position: 'after', targetId: 'a' },
  ]);
});

test('property: creation order visits every entry once, parents first', () => {
  const entries = fc
    .array(fc.tuple(fc.nat(30), fc.option(fc.nat(30), { nil: undefined }), fc.nat(5)), { maxLength: 40 })
    .map((rows) => {
      const seen = new Set<number>();
      return rows
        .filter(([id]) => !seen.has(id) && seen.add(id))
        .map(([id, parent, position]) => ({
          id: String(id),
          ...(parent !== undefined ? { parentId: String(parent) } : {}),
          position,
        }));
    });
  fc.assert(
    fc.property(entries, (list) => {
      const { order } = creationOrder(list);
      assert.equal(order.length, list.length);
      assert.equal(new Set(order.map((e) => e.id)).size, list.length);
      const at = new Map(order.map((e, i) => [e.id, i]));
      const ids = new Set(list.map((e) => e.id));
      const roots = new Set(creationOrder(list).detached.map((e) => e.id));
      for (const e of list) {
        if (e.parentId !== undefined && ids.has(e.parentId) && !roots.has(e.id))
          assert.ok(at.get(e.parentId)! < at.get(e.id)!);
      }
    }),
  );
});

test('property: reorder moves produce the wanted relative order and leave others in place', () => {
  fc.assert(
    fc.property(
      fc
        .uniqueArray(fc.nat(20), { minLength: 1, maxLength: 12 })
        .chain((ids) =>
          fc.tuple(
            fc.shuffledSubarray(ids.map(String), { minLength: ids.length, maxLength: ids.length }),
            fc.shuffledSubarray(ids.map(String)),
          ),
        ),
      ([current, wanted]) => {
        const result = apply(current, reorderMoves(current, wanted));
        const wantedSet = new Set(wanted);
        assert.deepEqual(
          result.filter((id) => wantedSet.has(id)),
          wanted,
        );
        assert.deepEqual(
          result.filter((id) => !wantedSet.has(id)),
          current.filter((id) => !wantedSet.has(id)),
        );
        assert.ok(reorderMoves(result, wanted).length === 0);
      },
    ),
  );
});

test('property: reorder moves are as few as can do it (all but a longest run already in order)', () => {
  const longestRun = (values: number[]): number => {
    const best = values.map(() => 1);
    for (let i = 0; i < values.length; i++)
      for (let j = 0; j < i; j++) if (values[j]! < values[i]!) best[i] = Math.max(best[i]!, best[j]! + 1);
    return Math.max(0, ...best);
  };
  fc.assert(
    fc.property(
      fc
        .uniqueArray(fc.nat(40), { minLength: 1, maxLength: 30 })
        .chain((ids) =>
          fc.tuple(
            fc.shuffledSubarray(ids.map(String), { minLength: ids.length, maxLength: ids.length }),
            fc.shuffledSubarray(ids.map(String)),
          ),
        ),
      ([current, wanted]) => {
        const at = new Map(current.map((id, i) => [id, i]));
        const moves = reorderMoves(current, wanted);
        assert.equal(moves.length, wanted.length - longestRun(wanted.map((id) => at.get(id)!)));
      },
    ),
  );
});
