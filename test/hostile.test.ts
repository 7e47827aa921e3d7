// Hostile input at restore time: snapshots crafted by someone holding the key (or restored from an untrusted
// repository) whose trees name "..", absolute or slash-containing paths, or plant symlinks that lead out of the
// target. Nothing may ever be written outside the target directory.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TreeNode } from '../src/domain/tree-node.ts';
import { blobId } from '../src/repository/crypto/master-key.ts';
import { loadMasterIndex } from '../src/repository/index/index-store.ts';
import { Repository } from '../src/repository/repository.ts';
import { RepositoryWriter } from '../src/repository/repository-writer.ts';
import { saveSnapshot } from '../src/repository/snapshot/snapshot-store.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { CliSandbox } from './support/cli.ts';

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: '1700000000000000000' };

describe('hostile snapshots never write outside the restore target', () => {
  const sb = new CliSandbox('sv-hostile-');
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-outside-'));
  let repo: Repository;

  /** Stores a snapshot whose root tree has exactly these entries (no validation: this is the attacker's side). */
  async function craft(nodes: (TreeNode | ((w: RepositoryWriter) => Promise<TreeNode>))[]): Promise<string> {
    const writer = new RepositoryWriter(repo, await loadMasterIndex(repo));
    const resolved: TreeNode[] = [];
    for (const n of nodes) resolved.push(typeof n === 'function' ? await n(writer) : n);
    const tree = await writer.saveTree(resolved);
    await writer.flush();
    return saveSnapshot(repo, {
      version: 1,
      time: new Date().toISOString(),
      host: 'evil',
      username: 'evil',
      paths: ['/'],
      tags: [],
      tree,
      source: { type: 'files' },
      program: 'evil',
    });
  }

  const file =
    (name: string, text: string) =>
    async (w: RepositoryWriter): Promise<TreeNode> => {
      const data = Buffer.from(text);
      const id = blobId(repo.keys.blobMac, data);
      await w.saveStoredBlob('data', id, data, false, data.length);
      return { ...meta, name, type: 'file', size: data.length, content: [id.toString('hex')] };
    };
  const dir =
    (name: string, children: (TreeNode | ((w: RepositoryWriter) => Promise<TreeNode>))[]) =>
    async (w: RepositoryWriter): Promise<TreeNode> => {
      const nodes: TreeNode[] = [];
      for (const c of children) nodes.push(typeof c === 'function' ? await c(w) : c);
      return { ...meta, mode: 0o755, name, type: 'dir', subtree: await w.saveTree(nodes) };
    };

  function outsideIsUntouched(): void {
    assert.deepEqual(fs.readdirSync(outside), ['keep.txt']);
    assert.equal(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8'), 'untouched');
  }

  before(async () => {
    sb.ok(['init']);
    repo = await Repository.open(new LocalBackend(sb.repo), fs.readFileSync(sb.passwordFile, 'utf8').trim());
    fs.writeFileSync(path.join(outside, 'keep.txt'), 'untouched');
  });
  after(() => {
    sb.cleanup();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  for (const bad of ['..', '../escape', `${'..'}/${'..'}/x`, '/etc/evil', 'a/b', '.', '']) {
    it(`refuses an entry named ${JSON.stringify(bad)}`, async () => {
      const id = await craft([file('fine.txt', 'fine'), file(bad, 'payload')]);
      const target = sb.path(`t-${Math.random().toString(36).slice(2)}`, 'inner');
      const r = sb.run(['restore', id.slice(0, 12), '--target', target]);
      assert.notEqual(r.code, 0, 'a hostile tree must not look like a successful restore');
      assert.match(r.stderr, /invalid|unsafe/);
      assert.deepEqual(
        fs.readdirSync(path.dirname(target)).filter((n) => n !== 'inner'),
        [],
      );
      if (fs.existsSync(target))
        assert.ok(
          !fs
            .readdirSync(target, { recursive: true })
            .map(String)
            .some((p) => p.includes('payload')),
        );
      outsideIsUntouched();
    });
  }

  it('a symlink to the outside is restored as a link and never written through', async () => {
    const first = await craft([{ ...meta, name: 'door', type: 'symlink', target: outside }]);
    const second = await craft([
      dir('door', [file('keep.txt', 'overwritten!'), file('planted.txt', 'planted')]),
    ]);
    const target = sb.path('links');
    sb.ok(['restore', first.slice(0, 12), '--target', target]);
    assert.equal(fs.readlinkSync(path.join(target, 'door')), outside);
    const refused = sb.run(['restore', second.slice(0, 12), '--target', target]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already contains|exists and is not a directory/);
    outsideIsUntouched();
    sb.ok(['restore', second.slice(0, 12), '--target', target, '--overwrite', 'always']);
    assert.ok(fs.lstatSync(path.join(target, 'door')).isDirectory(), 'the link was replaced, not followed');
    assert.equal(fs.readFileSync(path.join(target, 'door', 'planted.txt'), 'utf8'), 'planted');
    outsideIsUntouched();
  });

  it('a symlink an attacker planted in the target is not followed', async () => {
    const snap = await craft([file('keep.txt', 'overwritten!')]);
    const target = sb.path('planted');
    fs.mkdirSync(target);
    fs.symlinkSync(path.join(outside, 'keep.txt'), path.join(target, 'keep.txt'));
    assert.equal(sb.run(['restore', snap.slice(0, 12), '--target', target]).code, 1);
    outsideIsUntouched();
    sb.ok(['restore', snap.slice(0, 12), '--target', target, '--overwrite', 'always']);
    assert.ok(!fs.lstatSync(path.join(target, 'keep.txt')).isSymbolicLink());
    assert.equal(fs.readFileSync(path.join(target, 'keep.txt'), 'utf8'), 'overwritten!');
    outsideIsUntouched();
  });

  it('a target that is itself a symlink is refused', async () => {
    const snap = await craft([file('x.txt', 'x')]);
    const link = sb.path('target-link');
    fs.symlinkSync(outside, link);
    assert.equal(sb.run(['restore', snap.slice(0, 12), '--target', link]).code, 1);
    outsideIsUntouched();
  });

  it('a tree that claims another blob as a directory, or a file of the wrong size, fails cleanly', async () => {
    const snap = await craft([
      async (w) => {
        const f = await file('data.txt', 'not a tree')(w);
        return { ...meta, name: 'fake-dir', type: 'dir', subtree: f.content![0]! };
      },
      async (w) => ({ ...(await file('liar.txt', 'short')(w)), size: 1_000_000 }),
      file('ok.txt', 'ok'),
    ]);
    const target = sb.path('liars');
    const r = sb.run(['restore', snap.slice(0, 12), '--target', target]);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(fs.readFileSync(path.join(target, 'ok.txt'), 'utf8'), 'ok');
    assert.ok(!fs.existsSync(path.join(target, 'liar.txt')));
    outsideIsUntouched();
  });
});
