import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { TreeNode } from '../../domain/tree-node.ts';
import { metadataNode, unchangedSince } from './file-metadata.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-metadata-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function current(name: string): { node: TreeNode; size: number } {
  const st = fs.lstatSync(path.join(dir, name), { bigint: true });
  return { node: metadataNode(name, st), size: Number(st.size) };
}

describe('unchanged since the parent snapshot', () => {
  fs.writeFileSync(path.join(dir, 'a.txt'), 'some content');
  const { node, size } = current('a.txt');
  const stored: TreeNode = { ...node, size, content: ['00'.repeat(32)] };
  const all = { ctime: true, inode: true };

  it('holds when size, mtime, ctime and inode match a stored file', () => {
    assert.equal(unchangedSince(stored, node, size, all), true);
  });

  it('fails on any difference the rules look at, or without a stored file', () => {
    assert.equal(unchangedSince(undefined, node, size, all), false);
    const { content: _, ...withoutContent } = stored;
    assert.equal(unchangedSince(withoutContent, node, size, all), false);
    assert.equal(unchangedSince({ ...stored, type: 'symlink' }, node, size, all), false);
    assert.equal(unchangedSince(stored, node, size + 1, all), false);
    assert.equal(unchangedSince({ ...stored, mtime: '1' }, node, size, all), false);
    assert.equal(unchangedSince({ ...stored, ctime: '1' }, node, size, all), false);
    assert.equal(unchangedSince({ ...stored, inode: '1' }, node, size, all), false);
  });

  it('ignores ctime or inode when told to', () => {
    assert.equal(unchangedSince({ ...stored, ctime: '1' }, node, size, { ctime: false, inode: true }), true);
    assert.equal(unchangedSince({ ...stored, inode: '1' }, node, size, { ctime: true, inode: false }), true);
  });

  it('sees a file rewritten with the same size as changed', () => {
    const file = path.join(dir, 'a.txt');
    const later = new Date(Date.now() + 5000);
    fs.writeFileSync(file, 'other conten');
    fs.utimesSync(file, later, later);
    const now = current('a.txt');
    assert.equal(now.size, size);
    assert.equal(unchangedSince(stored, now.node, now.size, all), false);
  });
});
