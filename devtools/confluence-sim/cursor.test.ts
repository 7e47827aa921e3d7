// Properties of keyset pagination and cursors: a full walk returns everything once in order; under concurrent
// inserts, deletes and key changes no (id, key) is returned twice and every untouched item is returned exactly
// once; cursors round-trip and cannot be forged or reused for another sort.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CursorCodec, type CursorPosition, comparePositions, pageAfter, type SortSpec } from './cursor.ts';

interface Item {
  id: string;
  key: number;
}

function spec(descending: boolean): SortSpec<Item> {
  return { name: descending ? '-k' : 'k', key: (i) => i.key, id: (i) => i.id, descending };
}

const itemsArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 10_000 }), { maxLength: 60 })
  .chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: ids.length, maxLength: ids.length }),
    ),
  )
  .map(([ids, keys]) => ids.map((id, i) => ({ id: String(id), key: keys[i]! })));

test('walking every page returns each item once, in sort order', () => {
  fc.assert(
    fc.property(itemsArb, fc.integer({ min: 1, max: 12 }), fc.boolean(), (items, limit, descending) => {
      const s = spec(descending);
      const seen: Item[] = [];
      let after: CursorPosition | undefined;
      for (let guard = 0; guard < 1000; guard++) {
        const page = pageAfter(items, s, after, limit);
        assert.ok(page.results.length <= limit);
        seen.push(...page.results);
        if (!page.next) break;
        after = page.next;
      }
      const expected = [...items].sort((a, b) => comparePositions(a, b, descending));
      assert.deepEqual(seen, expected);
    }),
  );
});

type Edit =
  | { kind: 'insert'; key: number }
  | { kind: 'delete'; pick: number }
  | { kind: 'rekey'; pick: number; key: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), key: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('rekey' as const), pick: fc.nat(), key: fc.integer({ min: 0, max: 5 }) }),
);

test('under concurrent edits no (id, key) repeats and untouched items come back exactly once', () => {
  fc.assert(
    fc.property(
      itemsArb,
      fc.integer({ min: 1, max: 8 }),
      fc.boolean(),
      fc.array(fc.array(editArb, { maxLength: 3 }), { maxLength: 30 }),
      (start, limit, descending, editsPerPage) => {
        const s = spec(descending);
        let items = start.map((i) => ({ ...i }));
        const touched = new Set<string>();
        let nextId = 20_000;
        const returned: string[] = [];
        let after: CursorPosition | undefined;
        for (let pageNo = 0; pageNo < 1000; pageNo++) {
          const page = pageAfter(items, s, after, limit);
          returned.push(...page.results.map((i) => `${i.id}@${i.key}`));
          if (!page.next) break;
          after = page.next;
          for (const edit of editsPerPage[pageNo] ?? []) {
            if (edit.kind === 'insert') items.push({ id: String(nextId++), key: edit.key });
            else if (items.length > 0) {
              const victim = items[edit.pick % items.length]!;
              touched.add(victim.id);
              if (edit.kind === 'delete') items = items.filter((i) => i !== victim);
              else victim.key = edit.key;
            }
          }
        }
        assert.equal(new Set(returned).size, returned.length, 'an (id, key) pair came back twice');
        for (const item of start) {
          if (touched.has(item.id)) continue;
          const count = returned.filter((r) => r === `${item.id}@${item.key}`).length;
          assert.equal(count, 1, `untouched item ${item.id} returned ${count} times`);
        }
      },
    ),
  );
});

test('cursors round-trip, are opaque, and reject tampering and other sorts', () => {
  const codec = new CursorCodec('secret');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: 'grapheme' }),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
      ),
      fc.nat().map(String),
      fc.nat(),
      (key, id, flip) => {
        const cursor = codec.encode('-modified-date', { key, id });
        assert.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        assert.deepEqual(codec.decode(cursor, '-modified-date'), { key: Object.is(key, -0) ? 0 : key, id });
        assert.equal(codec.decode(cursor, 'modified-date'), undefined);
        assert.equal(new CursorCodec('other').decode(cursor, '-modified-date'), undefined);
        const at = flip % cursor.length;
        const replacement = cursor[at] === 'A' ? 'B' : 'A';
        const tampered = `${cursor.slice(0, at)}${replacement}${cursor.slice(at + 1)}`;
        const decoded = codec.decode(tampered, '-modified-date');
        // Base64 may ignore the low bits of the last character; then the payload is unchanged.
        assert.ok(decoded === undefined || (decoded.id === id && String(decoded.key) === String(key)));
      },
    ),
  );
  assert.equal(codec.decode('garbage', 'id'), undefined);
  assert.equal(codec.decode('', 'id'), undefined);
});
