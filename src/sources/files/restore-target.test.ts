import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { StepvaultError } from '../../common/errors.ts';
import type { TreeNode } from '../../domain/tree-node.ts';
import { identityOf, RestoreTarget, type TargetDir } from './restore-target.ts';

const dir = (name: string, parent?: TargetDir): TargetDir => ({ parent, node: { name } });
const meta = { uid: 0, gid: 0, mtime: '1700000000000000000' };

function isReplaced(e: unknown): boolean {
  return (
    e instanceof StepvaultError && e.code === 'conflict' && /replaced during the restore/.test(e.message)
  );
}

describe('RestoreTarget', () => {
  let base: string;
  let root: string;
  let outside: string;
  let target: RestoreTarget | undefined;

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-target-'));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'x'), 'outside');
  });
  afterEach(() => {
    target?.close();
    target = undefined;
    fs.rmSync(base, { recursive: true, force: true });
  });

  const open = (overwrite: 'never' | 'always' = 'never', handleLimit?: number) => {
    target = new RestoreTarget(root, overwrite, handleLimit === undefined ? {} : { handleLimit });
    target.prepareRoot();
    return target;
  };
  const write = (t: RestoreTarget, parent: TargetDir | undefined, name: string, text: string) => {
    const fd = t.createFile(parent, name, 0);
    fs.writeSync(fd, text);
    fs.closeSync(fd);
  };
  /** Makes `count` sibling directories, so the first ones' handles are closed under a small limit. */
  const siblings = (t: RestoreTarget, count: number): TargetDir[] => {
    const dirs = Array.from({ length: count }, (_, i) => dir(`d${i}`));
    for (const d of dirs) t.mkdir(d);
    return dirs;
  };

  it('creates directories and files through handles, reopening closed handles from their ancestors', () => {
    const t = open('never', 4);
    const a = dir('a');
    const b = dir('b', a);
    const c = dir('c', b);
    for (const d of [a, b, c]) t.mkdir(d);
    const others = siblings(t, 6);
    write(t, c, 'deep.txt', 'deep');
    for (const d of others) write(t, d, 'f', d.node.name);
    write(t, c, 'again.txt', 'again');
    assert.ok(t.reopened > 0, 'handles were closed and opened again');
    assert.equal(fs.readFileSync(path.join(root, 'a/b/c/deep.txt'), 'utf8'), 'deep');
    assert.equal(fs.readFileSync(path.join(root, 'a/b/c/again.txt'), 'utf8'), 'again');
    assert.equal(fs.readFileSync(path.join(root, 'd5/f'), 'utf8'), 'd5');
  });

  it('keeps writing into a directory through its handle after it was renamed', () => {
    const t = open();
    const a = dir('a');
    t.mkdir(a);
    fs.renameSync(path.join(root, 'a'), path.join(root, 'moved'));
    fs.symlinkSync(outside, path.join(root, 'a'));
    write(t, a, 'f', 'inside');
    assert.equal(fs.readFileSync(path.join(root, 'moved/f'), 'utf8'), 'inside');
    assert.deepEqual(fs.readdirSync(outside), ['x']);
    // At the end it is found not where it was made: reported, and not given its metadata.
    assert.throws(() => t.finishDir(a, { ...meta, type: 'dir', mode: 0o755 }), /moved or replaced/);
    assert.equal(fs.statSync(path.join(root, 'moved')).mode & 0o777, 0o700);
  });

  it('refuses a symlink put in place of a directory whose handle was closed', () => {
    const t = open('never', 4);
    const [first] = siblings(t, 8);
    fs.renameSync(path.join(root, 'd0'), path.join(root, 'aside'));
    fs.symlinkSync(outside, path.join(root, 'd0'));
    assert.throws(() => t.createFile(first, 'x', 0), isReplaced);
    assert.throws(() => t.createFile(first, 'y', 0), isReplaced, 'the directory stays failed');
    assert.match(t.brokenReason(first) ?? '', /replaced/);
    assert.deepEqual(fs.readdirSync(outside), ['x']);
    assert.equal(fs.readFileSync(path.join(outside, 'x'), 'utf8'), 'outside');
  });

  it('refuses another real directory put in place of one (its identity differs)', () => {
    const t = open('never', 4);
    const [first] = siblings(t, 8);
    fs.renameSync(path.join(root, 'd0'), path.join(root, 'aside'));
    fs.mkdirSync(path.join(root, 'd0'));
    assert.throws(() => t.createFile(first, 'x', 0), isReplaced);
    assert.deepEqual(fs.readdirSync(path.join(root, 'd0')), []);
    assert.deepEqual(fs.readdirSync(path.join(root, 'aside')), []);
  });

  it('refuses a FIFO put in place of a file, without blocking on it', () => {
    const t = open();
    const fd = t.createFile(undefined, 'f', 10);
    const id = identityOf(fs.fstatSync(fd, { bigint: true }));
    fs.closeSync(fd);
    fs.rmSync(path.join(root, 'f'));
    execFileSync('mkfifo', [path.join(root, 'f')]);
    assert.throws(() => t.reopenFile(undefined, 'f', id), isReplaced);
  });

  it('refuses a symlink or another file put in place of a file', () => {
    const t = open();
    const fd = t.createFile(undefined, 'f', 0);
    const id = identityOf(fs.fstatSync(fd, { bigint: true }));
    fs.closeSync(fd);
    fs.rmSync(path.join(root, 'f'));
    fs.symlinkSync(path.join(outside, 'x'), path.join(root, 'f'));
    assert.throws(() => t.reopenFile(undefined, 'f', id), isReplaced);
    fs.rmSync(path.join(root, 'f'));
    // Someone else's file, which may well get the inode number just freed.
    fs.writeFileSync(path.join(root, 'f'), 'other');
    fs.chownSync(path.join(root, 'f'), 1234, 1234);
    assert.throws(() => t.reopenFile(undefined, 'f', id), isReplaced);
    assert.equal(fs.readFileSync(path.join(outside, 'x'), 'utf8'), 'outside');
  });

  it('never creates a file through a symlink, and replaces entries only with overwrite "always"', () => {
    fs.mkdirSync(root);
    fs.symlinkSync(path.join(outside, 'x'), path.join(root, 'link'));
    fs.writeFileSync(path.join(root, 'file'), 'old');
    fs.symlinkSync(outside, path.join(root, 'dirlink'));
    fs.mkdirSync(path.join(root, 'kept'));
    fs.writeFileSync(path.join(root, 'kept', 'old.txt'), 'old');
    const never = open('never');
    assert.throws(() => never.createFile(undefined, 'link', 0), /already exists/);
    assert.throws(() => never.createFile(undefined, 'file', 0), /already exists/);
    assert.throws(() => never.mkdir(dir('dirlink')), /exists and is not a directory/);
    never.close();

    const t = open('always');
    write(t, undefined, 'link', 'new');
    write(t, undefined, 'file', 'new');
    const replaced = dir('dirlink');
    t.mkdir(replaced);
    write(t, replaced, 'inside', 'new');
    const kept = dir('kept');
    t.mkdir(kept);
    write(t, kept, 'new.txt', 'new');
    assert.ok(!fs.lstatSync(path.join(root, 'link')).isSymbolicLink());
    assert.equal(fs.readFileSync(path.join(root, 'link'), 'utf8'), 'new');
    assert.equal(fs.readFileSync(path.join(root, 'file'), 'utf8'), 'new');
    assert.ok(fs.lstatSync(path.join(root, 'dirlink')).isDirectory());
    assert.deepEqual(fs.readdirSync(path.join(root, 'kept')).sort(), ['new.txt', 'old.txt']);
    assert.deepEqual(fs.readdirSync(outside), ['x']);
    assert.equal(fs.readFileSync(path.join(outside, 'x'), 'utf8'), 'outside');
  });

  it('makes symlinks and FIFOs with their metadata in a staging directory it removes', () => {
    const t = open();
    const d = dir('d');
    t.mkdir(d);
    const link: TreeNode = { ...meta, name: 'l', type: 'symlink', mode: 0o777, target: outside };
    const fifo: TreeNode = { ...meta, name: 'p', type: 'fifo', mode: 0o640 };
    const socket: TreeNode = { ...meta, name: 's', type: 'socket', mode: 0o755 };
    assert.equal(t.other(d, 'l', link), true);
    assert.equal(t.other(d, 'p', fifo), true);
    assert.equal(t.other(d, 's', socket), false);
    assert.equal(fs.readlinkSync(path.join(root, 'd/l')), outside);
    const st = fs.lstatSync(path.join(root, 'd/p'));
    assert.ok(st.isFIFO());
    assert.equal(st.mode & 0o7777, 0o640);
    assert.equal(st.mtimeMs, 1700000000000);
    assert.equal(st.nlink, 1, 'the staging name is gone');
    assert.equal(fs.readdirSync(root).length, 2, 'the staging directory is there while the restore runs');
    t.close();
    target = undefined;
    assert.deepEqual(fs.readdirSync(root), ['d']);
  });

  it('a hard link whose source was replaced is removed and refused', () => {
    const t = open();
    const fd = t.createFile(undefined, 'a', 0);
    const id = identityOf(fs.fstatSync(fd, { bigint: true }));
    fs.closeSync(fd);
    t.hardLink(undefined, 'a', id, undefined, 'b');
    assert.equal(fs.statSync(path.join(root, 'b')).ino, fs.statSync(path.join(root, 'a')).ino);
    fs.rmSync(path.join(root, 'a'));
    fs.writeFileSync(path.join(root, 'a'), 'swapped');
    assert.throws(() => t.hardLink(undefined, 'a', id, undefined, 'c'), isReplaced);
    assert.ok(!fs.existsSync(path.join(root, 'c')));
  });

  it('gives directories their metadata through their handles, and refuses unsafe names', () => {
    const t = open('never', 4);
    const dirs = siblings(t, 8);
    for (const d of dirs.reverse()) t.finishDir(d, { ...meta, type: 'dir', mode: 0o751 });
    assert.equal(fs.statSync(path.join(root, 'd0')).mode & 0o777, 0o751);
    assert.equal(fs.statSync(path.join(root, 'd0')).mtimeMs, 1700000000000);
    for (const bad of ['..', 'a/b', '', '.'])
      assert.throws(
        () => t.createFile(undefined, bad, 0),
        (e) => e instanceof StepvaultError && e.code === 'unsafe-path',
      );
  });

  it('refuses a target that is a symlink', () => {
    fs.symlinkSync(outside, root);
    assert.throws(() => open(), /not a directory/);
  });
});
