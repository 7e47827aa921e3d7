import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStepvaultError } from '../../common/errors.ts';
import type { TreeNode } from '../../domain/tree-node.ts';
import { decodeTree, encodeTree } from './tree-codec.ts';

const hexId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const safeName = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((s) => s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0'));
const decimal = fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String);
const common = {
  name: safeName,
  mode: fc.integer({ min: 0, max: 0o7777 }),
  uid: fc.nat(65535),
  gid: fc.nat(65535),
  mtime: decimal,
};
const node: fc.Arbitrary<TreeNode> = fc.oneof(
  fc.record({
    ...common,
    type: fc.constant('file' as const),
    size: fc.nat(),
    content: fc.array(hexId, { maxLength: 4 }),
  }),
  fc.record({ ...common, type: fc.constant('dir' as const), subtree: hexId }),
  fc.record({
    ...common,
    type: fc.constant('symlink' as const),
    target: fc.string({ minLength: 1 }).filter((s) => !s.includes('\0')),
  }),
  fc.record({ ...common, type: fc.constant('fifo' as const), inode: decimal, links: fc.nat(10) }),
);
const uniqueNodes = fc.uniqueArray(node, { selector: (n) => n.name, maxLength: 12 });

describe('tree codec', () => {
  it('round-trips any valid tree and encodes canonically', () => {
    fc.assert(
      fc.property(uniqueNodes, (nodes) => {
        const encoded = encodeTree(nodes);
        const decoded = decodeTree(encoded, 'x');
        assert.deepEqual(encodeTree(decoded), encoded);
        assert.deepEqual(encodeTree([...nodes].reverse()), encoded);
        assert.equal(decoded.length, nodes.length);
      }),
    );
  });

  it('never crashes on arbitrary bytes or arbitrary JSON', () => {
    const check = (bytes: Uint8Array) => {
      try {
        decodeTree(bytes, 'fuzz');
      } catch (e) {
        assert.ok(isStepvaultError(e, 'corrupt'), String(e));
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200, size: 'max' }), check), { numRuns: 300 });
    fc.assert(
      fc.property(fc.jsonValue(), (v) => check(Buffer.from(JSON.stringify({ nodes: [v] })))),
      { numRuns: 300 },
    );
  });

  it('refuses entries that would escape a restore target or repeat a name', () => {
    const base = { type: 'file', mode: 420, uid: 0, gid: 0, mtime: '0', size: 0, content: [] };
    for (const name of ['..', '.', '', 'a/b', '/etc', 'x\0y']) {
      const bytes = Buffer.from(JSON.stringify({ nodes: [{ ...base, name }] }));
      assert.throws(
        () => decodeTree(bytes, 't'),
        (e) => isStepvaultError(e, 'corrupt'),
        name,
      );
    }
    const twice = Buffer.from(
      JSON.stringify({
        nodes: [
          { ...base, name: 'a' },
          { ...base, name: 'a' },
        ],
      }),
    );
    assert.throws(() => decodeTree(twice, 't'), /twice/);
  });
});
