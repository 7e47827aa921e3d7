import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { smallRepository } from '../../../test/support/small-repository.ts';
import { BlobReader } from '../blob-reader.ts';
import { DIR_MODE, FILE_MODE, nanoseconds, TreeBuilder } from './tree-builder.ts';
import { walkTree } from './tree-walk.ts';

async function listing(reader: BlobReader, tree: string) {
  const out: Record<string, string> = {};
  for await (const { path, node } of walkTree(reader, tree)) {
    out[path] =
      node.type === 'dir'
        ? `dir ${node.mode.toString(8)} ${node.mtime}`
        : `file ${node.mode.toString(8)} ${node.mtime} ${node.size}`;
  }
  return out;
}

describe('TreeBuilder', () => {
  it('writes files and directories with fixed metadata; a directory takes the newest time below it', async () => {
    const { repo, index, writer, content } = await smallRepository();
    const builder = new TreeBuilder();
    builder.addFile('/site.json', await content.storeBytes(Buffer.from('{}')), '2026-01-01T00:00:00Z');
    builder.addFile('/spaces/A/space.json', await content.storeBytes(Buffer.from('a')), 1000);
    builder.addFile('/spaces/A/content/1/item.json', await content.storeBytes(Buffer.from('b')), 5000);
    builder.addDir('/spaces/B', new Date(2000));
    const root = await builder.write(writer);
    await writer.flush();
    const reader = new BlobReader(repo, index);
    const ms = (n: number) => (BigInt(n) * 1_000_000n).toString();
    assert.deepEqual(await listing(reader, root), {
      '/site.json': `file 644 ${ms(Date.parse('2026-01-01T00:00:00Z'))} 2`,
      '/spaces': `dir 755 ${ms(5000)}`,
      '/spaces/A': `dir 755 ${ms(5000)}`,
      '/spaces/A/content': `dir 755 ${ms(5000)}`,
      '/spaces/A/content/1': `dir 755 ${ms(5000)}`,
      '/spaces/A/content/1/item.json': `file 644 ${ms(5000)} 1`,
      '/spaces/A/space.json': `file 644 ${ms(1000)} 1`,
      '/spaces/B': `dir 755 ${ms(2000)}`,
    });
    assert.equal(FILE_MODE, 0o644);
    assert.equal(DIR_MODE, 0o755);
  });

  it('grafts a subtree by its id without reading it, under the new name', async () => {
    const { repo, index, writer, content } = await smallRepository();
    const first = new TreeBuilder();
    first.addFile('/x/a/file', await content.storeBytes(Buffer.from('hello')), 1);
    const firstRoot = await first.write(writer);
    await writer.flush();
    const reader = new BlobReader(repo, index);
    const x = (await reader.readTree(firstRoot)).find((n) => n.name === 'x')!;
    const second = new TreeBuilder();
    second.graft('/moved/y', x);
    second.addFile('/moved/z', await content.storeBytes(Buffer.from('z')), 2);
    assert.throws(() => second.addFile('/moved/y/inside', { content: [], size: 0, added: 0 }, 1), /grafted/);
    assert.throws(() => second.addFile('/moved/z', { content: [], size: 0, added: 0 }, 1), /twice/);
    assert.equal(second.has('/moved/y'), true);
    assert.equal(second.has('/moved/y/a'), false);
    const root = await second.write(writer);
    await writer.flush();
    const paths = Object.keys(await listing(reader, root));
    assert.deepEqual(paths, ['/moved', '/moved/y', '/moved/y/a', '/moved/y/a/file', '/moved/z']);
  });

  it('gives the same root for the same content, whatever the order of adding', async () => {
    const { writer } = await smallRepository();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.stringMatching(/^[a-c]{1,2}(\/[a-c]{1,2}){0,2}$/), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 1000 }),
        async (rawPaths, seed) => {
          // keep only paths that are not prefixes of one another (a file cannot also be a directory)
          const paths = rawPaths.filter((p) => !rawPaths.some((q) => q !== p && q.startsWith(`${p}/`)));
          const build = async (order: string[]) => {
            const b = new TreeBuilder();
            for (const p of order) b.addFile(`/${p}`, { content: [], size: 0, added: 0 }, p.length * 1000);
            return b.write(writer);
          };
          const shuffled = [...paths].sort((a, b) => ((a.length * seed) % 7) - ((b.length * seed) % 7));
          assert.equal(await build(paths), await build(shuffled));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('gives the same root when directories are sealed as they complete, and refuses additions inside them', async () => {
    const { writer } = await smallRepository();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.stringMatching(/^[a-c]{1,2}(\/[a-c]{1,2}){1,2}$/), { minLength: 1, maxLength: 12 }),
        fc.subarray(['a', 'b', 'c', 'aa', 'a/b', 'b/a', 'c/cc']),
        async (rawPaths, sealed) => {
          const paths = rawPaths.filter((p) => !rawPaths.some((q) => q !== p && q.startsWith(`${p}/`)));
          const build = async (seal: boolean) => {
            const b = new TreeBuilder();
            for (const p of paths) b.addFile(`/${p}`, { content: [], size: 0, added: 0 }, p.length * 1000);
            if (seal)
              for (const dir of sealed)
                if (paths.some((p) => p.startsWith(`${dir}/`))) await b.seal(`/${dir}`, writer);
            return b.write(writer);
          };
          assert.equal(await build(true), await build(false));
        },
      ),
      { numRuns: 50 },
    );
    const b = new TreeBuilder();
    b.addFile('/item/1/item.json', { content: [], size: 0, added: 0 }, 1000);
    await b.seal('/item/1', writer);
    await b.seal('/item/1', writer); // already one node: nothing to do
    assert.throws(() => b.addFile('/item/1/meta.json', { content: [], size: 0, added: 0 }, 1000));
  });

  it('converts times to nanoseconds exactly', () => {
    assert.equal(nanoseconds(1), 1_000_000n);
    assert.equal(nanoseconds('1970-01-01T00:00:01.000Z'), 1_000_000_000n);
    assert.equal(nanoseconds('123'), 123n);
    assert.equal(nanoseconds(new Date(5)), 5_000_000n);
  });
});
