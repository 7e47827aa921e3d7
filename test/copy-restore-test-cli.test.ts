// `stepvault copy` and `stepvault restore-test` as a user runs them: init with shared chunker parameters, copies
// in both modes, a second run that copies nothing, the copy restoring identically and checking clean, restore
// tests that pass, fail on damage (naming the file) and pick repeatably under a seed; --json and exit codes; a
// copy killed once its packs in the destination reach a size, resumed without storing again what had arrived.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { CliSandbox, only } from './support/cli.ts';
import { atPackBytes, killWhen } from './support/kill.ts';
import { inspect } from './support/repo-inspect.ts';
import { describeTree } from './support/tree-fixture.ts';

const FAST_KDF = { algorithm: 'argon2id', memoryKiB: 1024, passes: 1, parallelism: 1 } as const;

describe('stepvault copy and restore-test', () => {
  const sb = new CliSandbox('sv-copy-cli-');
  const data = sb.path('data');
  const source = sb.path('source');
  const other = sb.path('other');
  const shared = sb.path('shared');
  const otherPassword = sb.path('other-password');
  let password: string;
  const from = (extra: NodeJS.ProcessEnv = {}) => ({
    STEPVAULT_FROM_REPOSITORY: source,
    STEPVAULT_FROM_PASSWORD_FILE: sb.passwordFile,
    ...extra,
  });

  before(async () => {
    fs.mkdirSync(path.join(data, 'docs'), { recursive: true });
    for (let i = 0; i < 10; i++)
      fs.writeFileSync(path.join(data, 'docs', `${i}.txt`), `page ${i}\n`.repeat(2000));
    fs.writeFileSync(path.join(data, 'blob.bin'), randomBytes(600 * 1024));
    fs.symlinkSync('docs/0.txt', path.join(data, 'link'));
    fs.writeFileSync(otherPassword, 'another password\n');
    password = fs.readFileSync(sb.passwordFile, 'utf8').trim();
    const small = { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 };
    await Repository.init(new LocalBackend(source), password, {
      kdf: FAST_KDF,
      chunker: small,
      packSize: 256 * 1024,
    });
    await Repository.init(new LocalBackend(other), 'another password', {
      kdf: FAST_KDF,
      packSize: 256 * 1024,
    });
    sb.ok(['backup', data, '--tag', 'one'], 0, { STEPVAULT_REPOSITORY: source });
    fs.appendFileSync(path.join(data, 'docs', '1.txt'), 'edited\n');
    sb.ok(['backup', data, '--tag', 'two'], 0, { STEPVAULT_REPOSITORY: source });
  });
  after(() => sb.cleanup());

  it('copies every snapshot into a repository with other keys, then nothing the second time', () => {
    const env = { STEPVAULT_REPOSITORY: other, STEPVAULT_PASSWORD_FILE: otherPassword, ...from() };
    const r = sb.ok(['copy', '--json'], 0, env);
    const summary = only(r.messages, 'summary')[0]!;
    assert.equal(summary.mode, 're-chunked');
    assert.equal(summary.snapshots_copied, 2);
    assert.equal(only(r.messages, 'copied').length, 2);
    const again = only(sb.ok(['copy', '--json'], 0, env).messages, 'summary')[0]!;
    assert.equal(again.snapshots_copied, 0);
    assert.equal(again.snapshots_skipped, 2);
    assert.match(sb.ok(['copy'], 0, env).stdout, /2 of 2 snapshots are already in this repository/);
    sb.ok(['check', '--read-data'], 0, env);
  });

  it('a restore from the copy equals a restore from the original', async () => {
    const view = await inspect(other, 'another password');
    const copy = view.snapshots.find((s) => s.tags.includes('two'))!;
    assert.match(copy.original!, /^[0-9a-f]{64}$/);
    const a = sb.path('restore-original');
    const b = sb.path('restore-copy');
    sb.ok(['restore', copy.original!.slice(0, 8), '--target', a], 0, { STEPVAULT_REPOSITORY: source });
    sb.ok(['restore', copy.id.slice(0, 8), '--target', b], 0, {
      STEPVAULT_REPOSITORY: other,
      STEPVAULT_PASSWORD_FILE: otherPassword,
    });
    assert.deepEqual(describeTree(b), describeTree(a));
  });

  it('init --copy-chunker-params makes a repository that copies blobs as stored', async () => {
    const env = { STEPVAULT_REPOSITORY: shared, STEPVAULT_PASSWORD_FILE: otherPassword };
    const init = sb.ok(
      [
        'init',
        '--from-repo',
        source,
        '--from-password-file',
        sb.passwordFile,
        '--copy-chunker-params',
        '--json',
      ],
      0,
      env,
    );
    assert.equal(only(init.messages, 'initialized')[0]!.chunker_params_from, source);
    const r = only(
      sb.ok(
        ['copy', '--from-repo', source, '--from-password-file', sb.passwordFile, '--tag', 'one', '--json'],
        0,
        env,
      ).messages,
      'summary',
    )[0]!;
    assert.equal(r.mode, 'as-stored');
    assert.equal(r.snapshots_copied, 1);
    const repo = (await inspect(shared, 'another password')).repo;
    assert.deepEqual(repo.config.chunker, (await inspect(source, password)).repo.config.chunker);
    sb.ok(['check', '--read-data'], 0, env);
  });

  it('says what is missing or wrong', () => {
    const env = { STEPVAULT_REPOSITORY: other, STEPVAULT_PASSWORD_FILE: otherPassword };
    assert.match(sb.ok(['copy'], 2, env).stderr, /no source repository given/);
    assert.match(
      sb.ok(['copy', '--from-repo', source], 2, { ...env, STEPVAULT_PASSWORD: 'x' }).stderr,
      /no password given for --from-repo/,
    );
    assert.match(
      sb.ok(['copy'], 12, { ...env, ...from({ STEPVAULT_FROM_PASSWORD_FILE: otherPassword }) }).stderr,
      /--from-repo .*wrong password/,
    );
    assert.match(
      sb.ok(['init', '--copy-chunker-params'], 2, { STEPVAULT_REPOSITORY: sb.path('x') }).stderr,
      /needs --from-repo/,
    );
    assert.match(
      sb.ok(['copy', '--from-repo', other, '--from-password-file', otherPassword], 2, env).stderr,
      /same repository/,
    );
  });

  it('restore-test passes, with a summary, and repeats a random pick under a seed', () => {
    const env = { STEPVAULT_REPOSITORY: source };
    const r = sb.ok(['restore-test', '--json'], 0, env);
    const summary = only(r.messages, 'summary')[0]!;
    assert.equal(summary.passed, true);
    assert.equal(summary.files_checked, 12);
    assert.equal(summary.mismatches, 0);
    assert.match(
      sb.ok(['restore-test', '--sample', '50%'], 0, env).stdout,
      /checked 6 of 11 files.*\n.*passed/,
    );
    const pick = (seed: string) =>
      only(
        sb.ok(
          ['restore-test', 'random', '--within', '1d', '--seed', seed, '--max-bytes', '0', '--json'],
          0,
          env,
        ).messages,
        'summary',
      )[0]!.snapshot_id;
    const picks = ['a', 'b', 'c', 'd', 'e'].map((seed) => [pick(seed), pick(seed)]);
    for (const [first, second] of picks) assert.equal(first, second);
    assert.equal(new Set(picks.map(([p]) => p)).size, 2, 'both snapshots get picked by some seed');
    assert.match(sb.ok(['restore-test', '--sample', '0%'], 2, env).stderr, /invalid --sample/);
    assert.match(sb.ok(['restore-test', '--within', 'soon'], 2, env).stderr, /invalid duration/);
  });

  it('restore-test fails with exit code 1, naming the damaged file', async () => {
    const view = await inspect(other, 'another password');
    const copy = view.snapshots.find((s) => s.tags.includes('two'))!;
    const [blob] = await view.contentOf(copy, `${data}/blob.bin`);
    const { pack, entry } = view.index.lookup(blob!)!;
    const file = path.join(other, 'data', pack.name.slice(0, 2), pack.name);
    const bytes = fs.readFileSync(file);
    bytes[entry.offset + 5]! ^= 0x40;
    fs.writeFileSync(file, bytes);
    const env = { STEPVAULT_REPOSITORY: other, STEPVAULT_PASSWORD_FILE: otherPassword };
    const r = sb.ok(['restore-test', copy.id.slice(0, 8), '--json'], 1, env);
    const mismatches = only(r.messages, 'mismatch');
    assert.equal(mismatches.length, 1);
    assert.equal(mismatches[0]!.path, `${data}/blob.bin`);
    assert.equal(only(r.messages, 'summary')[0]!.passed, false);
    assert.equal(only(r.messages, 'exit_error')[0]!.code, 1);
    assert.match(
      sb.ok(['restore-test', copy.id.slice(0, 8)], 1, env).stdout,
      /mismatch: .*blob\.bin: not restored/,
    );
  });

  it('resumes a copy killed mid-way without storing again the packs that had arrived', async (t) => {
    const resume = sb.path('resume');
    // Small chunks and packs: the copy stores many packs, and is killed between them.
    await Repository.init(new LocalBackend(resume), 'another password', {
      kdf: FAST_KDF,
      chunker: { min: 8 * 1024, avg: 32 * 1024, max: 128 * 1024 },
      packSize: 64 * 1024,
    });
    const env = { STEPVAULT_REPOSITORY: resume, STEPVAULT_PASSWORD_FILE: otherPassword, ...from() };
    const killed = await killWhen(sb.start(['copy', '--json'], env), resume, atPackBytes(resume, 200 * 1024));
    assert.ok(killed.killed, `the copy was killed (exit ${killed.code}: ${killed.stderr})`);
    const packsAt = async () => {
      const view = await inspect(resume, 'another password');
      return {
        view,
        packs: new Map(
          fs.readdirSync(path.join(resume, 'data'), { recursive: true }).flatMap((f) => {
            const file = path.join(resume, 'data', String(f));
            return fs.statSync(file).isFile() ? [[path.basename(file), fs.statSync(file).size] as const] : [];
          }),
        ),
      };
    };
    const { view: before, packs: arrived } = await packsAt();
    assert.equal(before.snapshots.length, 0, 'nothing was committed');
    let arrivedBytes = 0;
    for (const size of arrived.values()) arrivedBytes += size;
    assert.ok(arrivedBytes >= 200 * 1024);

    const summary = only(sb.ok(['copy', '--json'], 0, env).messages, 'summary')[0]!;
    assert.equal(summary.snapshots_copied, 2);
    assert.equal(summary.adopted_packs, arrived.size, 'every pack that had arrived is adopted');
    const { view: after, packs: final } = await packsAt();
    let newBytes = 0;
    for (const [name, size] of final) if (!arrived.has(name)) newBytes += size;
    assert.equal(newBytes, summary.data_added_packed, 'the resumed run stored only its new packs');
    const ids = [...after.index.packs()].flatMap((p) =>
      p.entries.filter((e) => e.type === 'data').map((e) => e.id.toString('hex')),
    );
    assert.equal(new Set(ids).size, ids.length, 'no data blob is stored twice');
    t.diagnostic(
      `killed with ${arrived.size} packs (${arrivedBytes} bytes) in the destination; the resumed run stored ${newBytes} bytes in ${final.size - arrived.size} packs`,
    );
    sb.ok(['check', '--read-data'], 0, env);
  });
});
