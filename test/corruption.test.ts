// Damage to every kind of repository object — pack, index, tree, snapshot, key, config — by a bit flip, a
// truncation, a deletion and a swap with another object: `check --read-data` detects each and names the object;
// restoring what the damage affects fails loudly, and what it does not affect still restores identically.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addKeySlot } from '../src/repository/key-store.ts';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { CliSandbox, only } from './support/cli.ts';
import { inspect } from './support/repo-inspect.ts';

type Kind = 'bitflip' | 'truncate' | 'delete' | 'swap';
const KINDS: Kind[] = ['bitflip', 'truncate', 'delete', 'swap'];

function damage(
  file: string,
  kind: Kind,
  other: string | undefined,
  range?: { offset: number; length: number },
): void {
  const bytes = fs.readFileSync(file);
  const at = range ?? { offset: 0, length: bytes.length };
  if (kind === 'bitflip') {
    const i = at.offset + Math.floor(at.length / 2);
    bytes[i]! ^= 0x10;
    fs.writeFileSync(file, bytes);
  } else if (kind === 'truncate')
    fs.writeFileSync(file, bytes.subarray(0, at.offset + Math.floor(at.length / 2)));
  else if (kind === 'delete') fs.rmSync(file);
  else fs.writeFileSync(file, fs.readFileSync(other!));
}

describe('corruption of every object type', () => {
  const sb = new CliSandbox('sv-corrupt-');
  const alpha = sb.path('alpha');
  const beta = sb.path('beta');
  const pristine = sb.path('pristine');
  const password2 = sb.path('password2');
  let victims: Record<
    string,
    { file: string; other?: string; range?: { offset: number; length: number }; name: string }
  >;
  let snaps: { a1: string; b1: string; a2: string };

  before(async () => {
    fs.mkdirSync(path.join(alpha, 'docs'), { recursive: true });
    fs.mkdirSync(path.join(alpha, 'sub', 'deeper'), { recursive: true });
    fs.mkdirSync(beta);
    for (let i = 0; i < 20; i++)
      fs.writeFileSync(path.join(alpha, 'docs', `${i}.txt`), `document ${i}\n`.repeat(200 + i));
    fs.writeFileSync(path.join(alpha, 'big.bin'), randomBytes(3 * 1024 * 1024));
    fs.writeFileSync(path.join(alpha, 'sub', 'deeper', 'x.txt'), 'deep file\n');
    fs.writeFileSync(path.join(alpha, 'sub', 'y.txt'), 'sub file\n');
    fs.writeFileSync(path.join(beta, 'b.txt'), 'beta\n'.repeat(100));
    const password = fs.readFileSync(sb.passwordFile, 'utf8').trim();
    // Small packs, so that the big file spans several packs of its own.
    const repo = await Repository.init(new LocalBackend(pristine), password, {
      kdf: { algorithm: 'argon2id', memoryKiB: 1024, passes: 1, parallelism: 1 },
      packSize: 512 * 1024,
      chunker: { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 },
    });
    fs.writeFileSync(password2, 'second password\n');
    await addKeySlot(repo.backend, repo.masterSecret, 'second password', {
      kdf: { algorithm: 'argon2id', memoryKiB: 1024, passes: 1, parallelism: 1 },
    });
    const env = { STEPVAULT_REPOSITORY: pristine };
    sb.ok(['backup', alpha], 0, env);
    sb.ok(['backup', beta], 0, env);
    fs.appendFileSync(path.join(alpha, 'docs', '0.txt'), 'changed\n');
    sb.ok(['backup', alpha], 0, env);
    sb.ok(['snapshots'], 0, env); // remember the snapshots in the cache, as a user's machine would

    const view = await inspect(pristine, password);
    const byPath = (p: string) =>
      view.snapshots.filter((s) => s.paths[0] === p).sort((x, y) => x.time.localeCompare(y.time));
    const [a1, a2] = byPath(alpha);
    const [b1] = byPath(beta);
    snaps = { a1: a1!.id, b1: b1!.id, a2: a2!.id };
    const bigBlobs = new Set(await view.contentOf(a1!, `${alpha}/big.bin`));
    const bigPack = [...view.index.packs()].find((p) =>
      p.entries.every((e) => bigBlobs.has(e.id.toString('hex'))),
    )!;
    const otherPack = [...view.index.packs()].find(
      (p) => p.name !== bigPack.name && p.entries[0]!.type === 'data',
    )!;
    const subTree = view.index.lookup(await view.treeOf(a1!, `${alpha}/sub`))!;
    const treePacks = [...view.index.packs()].filter((p) => p.entries.some((e) => e.type === 'tree'));
    const otherTreePack = treePacks.find((p) => p.name !== subTree.pack.name)!;
    const indexFiles = fs.readdirSync(path.join(pristine, 'index'));
    const indexOfSub = [...view.index.indexFilesOf(subTree.pack.name)][0]!;
    const keys = fs.readdirSync(path.join(pristine, 'keys'));
    const key1 = keys.find(
      (k) =>
        JSON.parse(fs.readFileSync(path.join(pristine, 'keys', k), 'utf8')).created ===
        keys
          .map((n) => JSON.parse(fs.readFileSync(path.join(pristine, 'keys', n), 'utf8')).created)
          .sort()[0],
    )!;
    const dataFile = (p: string) => path.join('data', p.slice(0, 2), p);
    victims = {
      pack: { file: dataFile(bigPack.name), other: dataFile(otherPack.name), name: `pack ${bigPack.name}` },
      tree: {
        file: dataFile(subTree.pack.name),
        other: dataFile(otherTreePack.name),
        range: subTree.entry,
        name: subTree.pack.name,
      },
      index: {
        file: path.join('index', indexOfSub),
        other: path.join('index', indexFiles.find((f) => f !== indexOfSub)!),
        name: `index ${indexOfSub}`,
      },
      snapshot: {
        file: path.join('snapshots', snaps.a1),
        other: path.join('snapshots', snaps.b1),
        name: `snapshot ${snaps.a1}`,
      },
      key: { file: path.join('keys', key1), other: path.join('snapshots', snaps.b1), name: `keys/${key1}` },
      config: { file: 'config', other: path.join('snapshots', snaps.b1), name: 'config' },
    };
  });
  after(() => sb.cleanup());

  /** A fresh copy of the pristine repository with one object damaged. */
  function damaged(type: string, kind: Kind): string {
    const copy = sb.path(`case-${type}-${kind}`);
    fs.cpSync(pristine, copy, { recursive: true });
    const v = victims[type]!;
    damage(path.join(copy, v.file), kind, v.other ? path.join(copy, v.other) : undefined, v.range);
    return copy;
  }

  function restoreOutcome(repo: string, ref: string, env: NodeJS.ProcessEnv = {}) {
    const target = sb.path(`restore-${Math.random().toString(36).slice(2)}`);
    const r = sb.run(['restore', ref, '--target', target, '--json'], { STEPVAULT_REPOSITORY: repo, ...env });
    return { r, target };
  }

  function sameAsSource(target: string, source: string, files: string[]): void {
    for (const f of files)
      assert.deepEqual(fs.readFileSync(path.join(target, f)), fs.readFileSync(path.join(source, f)), f);
  }

  function checkErrors(repo: string, env: NodeJS.ProcessEnv = {}): { code: number; text: string } {
    const r = sb.run(['check', '--read-data', '--json'], { STEPVAULT_REPOSITORY: repo, ...env });
    return {
      code: r.code,
      text: JSON.stringify([...only(r.messages, 'error'), ...only(r.messages, 'exit_error')]),
    };
  }

  for (const kind of KINDS) {
    it(`pack (${kind}): named by check; the file it holds fails, the rest restores`, () => {
      const repo = damaged('pack', kind);
      const c = checkErrors(repo);
      assert.equal(c.code, 1);
      assert.ok(c.text.includes(victims.pack!.name), c.text);
      const { r, target } = restoreOutcome(repo, `${snaps.a2}:${alpha}`);
      assert.equal(r.code, 3, r.stderr);
      assert.deepEqual(
        only(r.messages, 'error').map((e) => e.item),
        ['/big.bin'],
      );
      assert.ok(!fs.existsSync(path.join(target, 'big.bin')), 'a file that failed is not left half-written');
      sameAsSource(target, alpha, ['docs/0.txt', 'docs/19.txt', 'sub/deeper/x.txt']);
    });

    it(`tree (${kind}): named by check; the directories it affects fail, other snapshots restore`, () => {
      const repo = damaged('tree', kind);
      const c = checkErrors(repo);
      assert.equal(c.code, 1);
      assert.ok(c.text.includes(victims.tree!.name) || c.text.includes('tree '), c.text);
      const a2 = restoreOutcome(repo, `${snaps.a2}:${alpha}`);
      assert.notEqual(a2.r.code, 0, 'restoring damaged trees must not look like success');
      const b1 = restoreOutcome(repo, `${snaps.b1}:${beta}`);
      assert.equal(b1.r.code, 0, b1.r.stderr);
      sameAsSource(b1.target, beta, ['b.txt']);
      if (kind === 'bitflip') {
        // Only alpha/sub's tree is damaged: everything else of the same snapshot still restores.
        assert.equal(a2.r.code, 3);
        sameAsSource(a2.target, alpha, ['docs/0.txt', 'big.bin']);
        assert.ok(!fs.existsSync(path.join(a2.target, 'sub', 'y.txt')));
      }
    });

    it(`index (${kind}): named by check; restore recovers from the packs' headers`, () => {
      const repo = damaged('index', kind);
      const c = checkErrors(repo);
      assert.equal(c.code, 1);
      if (kind === 'delete') assert.match(c.text, /is not in the index/);
      else assert.ok(c.text.includes(victims.index!.name), c.text);
      const { r, target } = restoreOutcome(repo, `${snaps.a2}:${alpha}`);
      assert.equal(r.code, 0, r.stderr);
      assert.match(JSON.stringify(only(r.messages, 'error')), /packs are in no index/);
      sameAsSource(target, alpha, ['docs/0.txt', 'big.bin', 'sub/deeper/x.txt']);
      sb.ok(['repair', 'index'], 0, { STEPVAULT_REPOSITORY: repo });
      if (kind !== 'swap') sb.ok(['check', '--read-data'], 0, { STEPVAULT_REPOSITORY: repo });
    });

    it(`snapshot (${kind}): named by check; that snapshot fails, the others restore`, () => {
      const repo = damaged('snapshot', kind);
      const c = checkErrors(repo);
      assert.equal(c.code, 1);
      assert.ok(c.text.includes(victims.snapshot!.name), c.text);
      const broken = restoreOutcome(repo, `${snaps.a1}:${alpha}`);
      assert.notEqual(broken.r.code, 0);
      const fine = restoreOutcome(repo, `${snaps.a2}:${alpha}`);
      assert.equal(fine.r.code, 0, fine.r.stderr);
      sameAsSource(fine.target, alpha, ['docs/0.txt', 'big.bin']);
    });

    it(`key (${kind}): named; the other key still opens everything`, () => {
      const repo = damaged('key', kind);
      const c = checkErrors(repo, { STEPVAULT_PASSWORD_FILE: password2 });
      if (kind === 'delete')
        assert.equal(c.code, 0, 'another valid key remains; a removed key slot is not damage');
      else {
        assert.equal(c.code, 1);
        assert.ok(c.text.includes(victims.key!.name), c.text);
      }
      const first = sb.run(['snapshots'], { STEPVAULT_REPOSITORY: repo });
      if (kind === 'delete') assert.equal(first.code, 12, 'a removed slot leaves its password a wrong one');
      else {
        assert.equal(
          first.code,
          1,
          'the damaged slot no longer opens the repository: damage, not a wrong password',
        );
        assert.ok(first.stderr.includes(`${victims.key!.name} is damaged`), first.stderr);
      }
      const { r, target } = restoreOutcome(repo, `${snaps.a2}:${alpha}`, {
        STEPVAULT_PASSWORD_FILE: password2,
      });
      assert.equal(r.code, 0, r.stderr);
      sameAsSource(target, alpha, ['docs/0.txt']);
    });

    it(`config (${kind}): every command fails, naming the config`, () => {
      const repo = damaged('config', kind);
      const r = sb.run(['check', '--read-data', '--json'], { STEPVAULT_REPOSITORY: repo });
      assert.equal(r.code, 1);
      assert.match(String(only(r.messages, 'exit_error')[0]!.message), /config/);
      assert.equal(restoreOutcome(repo, 'latest').r.code, 1);
    });
  }

  it('a snapshot file deleted from storage is named by check as missing, not silently gone', () => {
    const repo = damaged('snapshot', 'delete');
    assert.match(checkErrors(repo).text, /gone without being forgotten/);
  });

  it('the only key damaged or deleted: commands fail naming it', () => {
    const repo = damaged('key', 'bitflip');
    fs.rmSync(
      path.join(
        repo,
        'keys',
        fs.readdirSync(path.join(repo, 'keys')).find((k) => !victims.key!.file.endsWith(k))!,
      ),
    );
    const r = sb.run(['snapshots'], { STEPVAULT_REPOSITORY: repo });
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(victims.key!.name), r.stderr);
    fs.rmSync(path.join(repo, victims.key!.file));
    const none = sb.run(['snapshots'], { STEPVAULT_REPOSITORY: repo });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /has no key files/);
  });
});
