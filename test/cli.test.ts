// The stepvault CLI end to end, as a user runs it: every command, the exit codes, the --json contract.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RepositoryLock } from '../src/repository/lock/lock.ts';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { CliSandbox, MAIN, NODE, only } from './support/cli.ts';

describe('stepvault CLI', () => {
  const sb = new CliSandbox();
  const data = sb.path('data');
  before(() => {
    fs.mkdirSync(path.join(data, 'docs', 'deep', 'er'), { recursive: true });
    fs.writeFileSync(path.join(data, 'docs', 'a.txt'), 'alpha\n'.repeat(1000));
    fs.writeFileSync(path.join(data, 'docs', 'deep', 'b.md'), '# bee\n');
    fs.writeFileSync(path.join(data, 'docs', 'deep', 'er', 'c.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
    fs.writeFileSync(path.join(data, 'empty'), '');
    fs.symlinkSync('docs/a.txt', path.join(data, 'link'));
  });
  after(() => sb.cleanup());

  it('init creates a repository, and refuses to create a second one there', () => {
    const r = sb.ok(['init', '--json']);
    assert.equal(only(r.messages, 'initialized').length, 1);
    const again = sb.run(['init']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  it('init --pack-size sets the size packs are filled to, within bounds', async () => {
    const other = sb.path('small-packs');
    sb.ok(['init', '--pack-size', '64KiB'], 0, { STEPVAULT_REPOSITORY: other });
    const password = fs.readFileSync(sb.passwordFile, 'utf8').trim();
    const repo = await Repository.open(new LocalBackend(other), password);
    assert.equal(repo.config.packSize, 64 * 1024);
    const tiny = sb.run(['init', '--pack-size', '512'], { STEPVAULT_REPOSITORY: sb.path('tiny-packs') });
    assert.equal(tiny.code, 2);
    assert.match(tiny.stderr, /--pack-size must be between 1.00 KiB and 1.00 GiB, got 512 B/);
  });

  it('backs up, then skips unchanged files, then picks up changes', () => {
    const first = sb.ok(['backup', data, '--tag', 'first', '--json']);
    const s1 = only(first.messages, 'summary')[0]!;
    assert.equal(s1.files_new, 4);
    assert.match(String(s1.snapshot_id), /^[0-9a-f]{64}$/);
    assert.equal(s1.storage, undefined, 'a local repository counts no storage requests');
    const second = only(sb.ok(['backup', data, '--json']).messages, 'summary')[0]!;
    assert.equal(second.files_unmodified, 4);
    assert.equal(second.data_added, 0);
    assert.equal(second.parent, s1.snapshot_id);
    fs.appendFileSync(path.join(data, 'docs', 'a.txt'), 'more\n');
    fs.writeFileSync(path.join(data, 'new.txt'), 'new file\n');
    const third = only(sb.ok(['backup', data, '--json']).messages, 'summary')[0]!;
    assert.equal(third.files_changed, 1);
    assert.equal(third.files_new, 1);
    assert.equal(third.files_unmodified, 3);
  });

  it('prints a human summary when not asked for JSON', () => {
    const r = sb.ok(['backup', data]);
    assert.match(r.stdout, /Files: +0 new, 0 changed, 5 unmodified/);
    assert.match(r.stdout, /snapshot [0-9a-f]{8} saved/);
  });

  it('lists snapshots, files, matches and differences', () => {
    const snaps = only(sb.ok(['snapshots', '--json']).messages, 'snapshot');
    assert.equal(snaps.length, 4);
    assert.deepEqual(snaps[0]!.tags, ['first']);
    assert.match(sb.ok(['snapshots']).stdout, /4 snapshots/);
    const nodes = only(sb.ok(['ls', 'latest', '--json']).messages, 'node').map((n) => n.path);
    assert.ok(nodes.includes(`${data}/docs/deep/er/c.bin`));
    assert.match(sb.ok(['ls', '-l', `latest:${data}/docs`]).stdout, /-rw-r--r-- .* \S+\/docs\/a.txt/);
    const found = only(sb.ok(['find', '*.md', '--json']).messages, 'match');
    assert.equal(found.length, 4);
    const first = String(snaps[0]!.id).slice(0, 8);
    const changes = only(sb.ok(['diff', first, 'latest', '--json']).messages, 'change');
    assert.deepEqual(changes.map((c) => `${c.modifier} ${c.path}`).sort(), [
      `+ ${data}/new.txt`,
      `M ${data}/docs/a.txt`,
    ]);
  });

  it('dumps one file to stdout', () => {
    const r = sb.ok(['dump', 'latest', `${data}/docs/a.txt`]);
    assert.equal(r.stdout, fs.readFileSync(path.join(data, 'docs', 'a.txt'), 'utf8'));
    assert.equal(sb.run(['dump', 'latest', `${data}/docs`]).code, 2);
  });

  it('stops quietly when the reader of its output goes away (`| head`), with exit code 141', async () => {
    // 3 MiB of output: far more than a pipe holds, so the command is still writing when the reader leaves.
    const child = spawn(NODE, [MAIN, 'dump', 'latest', `${data}/docs/deep/er/c.bin`], {
      env: sb.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 141, stderr);
    assert.equal(stderr, '', 'nothing is said about it');
  });

  it('restores a snapshot identically, and never over existing files unless told to', () => {
    const target = sb.path('restore');
    sb.ok(['restore', `latest:${data}`, '--target', target]);
    for (const f of ['docs/a.txt', 'docs/deep/b.md', 'docs/deep/er/c.bin', 'empty', 'new.txt']) {
      assert.deepEqual(fs.readFileSync(path.join(target, f)), fs.readFileSync(path.join(data, f)), f);
    }
    assert.equal(fs.readlinkSync(path.join(target, 'link')), 'docs/a.txt');
    fs.writeFileSync(path.join(target, 'docs', 'a.txt'), 'local edit');
    const conflict = sb.run(['restore', `latest:${data}`, '--target', target]);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /already contains/);
    assert.equal(fs.readFileSync(path.join(target, 'docs', 'a.txt'), 'utf8'), 'local edit');
    sb.ok(['restore', `latest:${data}`, '--target', target, '--overwrite', 'always']);
    assert.deepEqual(
      fs.readFileSync(path.join(target, 'docs', 'a.txt')),
      fs.readFileSync(path.join(data, 'docs', 'a.txt')),
    );
  });

  it('restores only what --include selects, minus what --exclude removes', () => {
    const target = sb.path('partial-restore');
    sb.ok([
      'restore',
      'latest',
      '--target',
      target,
      '--include',
      '*.md',
      '--include',
      '*.bin',
      '--exclude',
      'er',
    ]);
    const restored = fs
      .readdirSync(target, { recursive: true })
      .map(String)
      .filter((p) => fs.statSync(path.join(target, p)).isFile());
    assert.deepEqual(restored, [path.join(data, 'docs', 'deep', 'b.md').slice(1)]);
  });

  it('checks the repository, all data and subsets', () => {
    assert.match(sb.ok(['check']).stdout, /no errors were found/);
    const all = only(sb.ok(['check', '--read-data', '--json']).messages, 'summary')[0]!;
    assert.ok((all.packs_read as number) > 0);
    assert.ok((all.bytes_read as number) > 0);
    sb.ok(['check', '--read-data-subset', '1/2']);
    sb.ok(['check', '--read-data-subset', '50%']);
  });

  it('reports sizes and savings', () => {
    const s = only(sb.ok(['stats', '--json']).messages, 'summary')[0]!;
    assert.equal(s.snapshots_count, 4);
    assert.ok((s.deduplication_ratio as number) > 3, 'four nearly identical snapshots deduplicate');
    assert.ok((s.compression_ratio as number) > 1);
  });

  it('forgets by policy (dry run first), prunes, and stays consistent', () => {
    const dry = sb.ok(['forget', '--keep-last', '2', '--dry-run', '--json']);
    assert.equal(only(dry.messages, 'summary')[0]!.removed, 2);
    assert.equal(only(sb.ok(['snapshots', '--json']).messages, 'snapshot').length, 4);
    sb.ok(['forget', '--keep-last', '2', '--prune', '--max-unused', '0%']);
    assert.equal(only(sb.ok(['snapshots', '--json']).messages, 'snapshot').length, 2);
    sb.ok(['check', '--read-data']);
    const target = sb.path('after-prune');
    sb.ok(['restore', `latest:${data}`, '--target', target]);
    assert.deepEqual(
      fs.readFileSync(path.join(target, 'new.txt')),
      fs.readFileSync(path.join(data, 'new.txt')),
    );
  });

  it('manages passwords without rewriting data, and tells a wrong password apart', () => {
    const second = sb.path('password2');
    fs.writeFileSync(second, 'another secret\n');
    sb.ok(['key', 'add', '--new-password-file', second]);
    assert.equal(only(sb.ok(['key', 'list', '--json']).messages, 'key').length, 2);
    sb.ok(['snapshots'], 0, { STEPVAULT_PASSWORD_FILE: second });
    const third = sb.path('password3');
    fs.writeFileSync(third, 'third secret\n');
    sb.ok(['key', 'passwd', '--new-password-file', third], 0, { STEPVAULT_PASSWORD_FILE: second });
    const wrong = sb.run(['snapshots'], { STEPVAULT_PASSWORD_FILE: second });
    assert.equal(wrong.code, 12);
    assert.match(wrong.stderr, /wrong password/);
    const keys = only(sb.ok(['key', 'list', '--json']).messages, 'key');
    assert.equal(keys.length, 2);
    const other = keys.find((k) => k.current !== true)!;
    sb.ok(['key', 'remove', String(other.name).slice(0, 8)]);
    assert.equal(sb.run(['snapshots'], { STEPVAULT_PASSWORD_FILE: third }).code, 12);
    sb.ok(['snapshots']);
  });

  it('respects locks: exclusive work waits for running backups; unlock removes stale locks', async () => {
    const repo = await Repository.open(new LocalBackend(sb.repo), 'correct horse battery staple');
    const lock = await RepositoryLock.acquire(repo, { exclusive: false, purpose: 'backup' });
    const locked = sb.run(['prune']);
    assert.equal(locked.code, 11);
    assert.match(locked.stderr, /locked.*backup by PID/);
    sb.ok(['backup', data]); // shared locks do not conflict
    assert.equal(
      only(sb.ok(['unlock', '--json']).messages, 'summary')[0]!.removed,
      0,
      'a live lock is not stale',
    );
    await lock.release();
    sb.ok(['prune']);
  });

  it('marks a backup partial (exit 3) when an item cannot be backed up, and lists it', () => {
    const odd = sb.path('odd');
    fs.mkdirSync(odd);
    fs.writeFileSync(path.join(odd, 'fine.txt'), 'fine');
    fs.writeFileSync(Buffer.concat([Buffer.from(`${odd}/bad-`), Buffer.from([0xff, 0xfe])]), 'x');
    const r = sb.ok(['backup', odd, '--json'], 3);
    assert.equal(only(r.messages, 'summary')[0]!.errors, 1);
    assert.match(JSON.stringify(only(r.messages, 'error')), /not valid UTF-8/);
    const snap = only(sb.ok(['snapshots', '--json', '--path', odd]).messages, 'snapshot')[0]!;
    assert.equal((snap.partial as { missing: unknown[] }).missing.length, 1);
  });

  it('exits 10 without a repository and 2 on misuse, saying what was wrong', () => {
    const none = sb.run(['snapshots'], { STEPVAULT_REPOSITORY: sb.path('nothing-here') });
    assert.equal(none.code, 10);
    assert.match(none.stderr, /no repository/);
    const misuse: [string[], RegExp][] = [
      [['frobnicate'], /unknown command/],
      [['backup'], /missing required argument/],
      [['backup', data, '--no-such-flag'], /unknown option/],
      [['backup', data, '--compression', '99'], /between 0 and 19/],
      [['forget', '--keep-last', 'many'], /whole number/],
      [['forget'], /no policy/],
      [['forget', '--keep-within', '3 days'], /invalid duration/],
      [['forget', '--keep-last', '1', '--group-by', 'color'], /invalid --group-by/],
      [['check', '--read-data-subset', '0/3'], /invalid --read-data-subset/],
      [['restore', 'latest'], /required option.*--target/],
      [['restore', 'latest', '--target', sb.path('x'), '--overwrite', 'sometimes'], /never, always/],
      [['prune', '--max-unused', 'lots'], /invalid --max-unused/],
      [['snapshots', '--latest', '0'], /between 1/],
      [['restore', 'zz', '--target', sb.path('y')], /not a snapshot ID/],
    ];
    for (const [args, message] of misuse) {
      const r = sb.run(args);
      assert.equal(r.code, 2, `stepvault ${args.join(' ')} → ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });

  it('refuses a repository location of an unknown scheme everywhere, creating nothing', () => {
    const cwd = sb.path('cwd-unknown-scheme');
    fs.mkdirSync(cwd);
    for (const args of [['init'], ['snapshots'], ['backup', data]]) {
      const r = spawnSync(NODE, [MAIN, '-r', 'rclone:remote:path', ...args], {
        cwd,
        env: sb.env,
        encoding: 'utf8',
      });
      assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /unsupported repository location "rclone:remote:path"/);
      assert.match(r.stderr, /s3:BUCKET\[\/PREFIX\]/);
    }
    assert.deepEqual(fs.readdirSync(cwd), [], 'no directory named after the location');
    const bad = sb.run(['init'], { STEPVAULT_REPOSITORY: 's3:Not_A_Bucket' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a bucket name/);
  });

  it('reports a fatal error as an exit_error message with --json', () => {
    const r = sb.run(['snapshots', '--json'], { STEPVAULT_REPOSITORY: sb.path('nothing-here') });
    assert.equal(r.code, 10);
    const [error] = only(r.messages, 'exit_error');
    assert.equal(error!.code, 10);
    assert.equal(error!.error_code, 'repository-not-found');
  });
});
