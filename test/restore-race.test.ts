// A restore run as root into a directory someone else can write to, while that someone races it: every directory
// of the snapshot that shows up in the target is moved aside and replaced by a symlink to its counterpart in an
// "outside" directory (which has the snapshot's directories, so a restore that follows the link can write on).
// Nothing outside the target may be created, written, chmod'ed, chown'ed or re-timed, and the restore either
// succeeds with every file in place (possibly in a directory the racer moved aside) or reports what it could not
// restore (exit 3). Needs root: a restore as root (owners, setuid files, devices) is what is at stake.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliSandbox, only } from './support/cli.ts';

const NOBODY = 65534;
const TOPS = 12;
const MIDS = 8;
const LEAVES = 4;

/** The racer, run as a separate process (optionally as another user): swaps directories until told to stop. */
const RACER = `
const fs = require('node:fs');
const path = require('node:path');
const [target, outside, stop, list] = process.argv.slice(1);
const dirs = JSON.parse(fs.readFileSync(list, 'utf8'));
let swaps = 0;
let n = 0;
// A path the racer may touch: every component below the target is a real directory (never go through its own links).
const real = (rel) => {
  let p = target;
  for (const c of rel.split('/')) {
    p = path.join(p, c);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st || !st.isDirectory()) return undefined;
  }
  return p;
};
process.stdout.write('ready\\n');
while (!fs.existsSync(stop)) {
  for (const rel of dirs) {
    try {
      const p = real(rel);
      if (p === undefined) continue;
      // The link is made first, so the directory's name is missing for as short a time as possible.
      const link = p + '.link-' + n;
      fs.symlinkSync(path.join(outside, rel), link);
      fs.renameSync(p, p + '.aside-' + n++);
      fs.renameSync(link, p);
      swaps++;
    } catch {}
  }
}
process.stdout.write(JSON.stringify({ swaps }) + '\\n');
`;

interface Seen {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  hash?: string;
}

/** Everything under `dir` (not following links), with content hashes: to prove nothing there changed. */
function describeTree(dir: string): Map<string, Seen> {
  const seen = new Map<string, Seen>();
  const walk = (rel: string) => {
    const full = path.join(dir, rel);
    const st = fs.lstatSync(full, { bigint: true });
    const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
    seen.set(rel || '.', {
      type,
      mode: Number(st.mode),
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtimeNs: st.mtimeNs,
      ctimeNs: st.ctimeNs,
      ...(type === 'file' ? { hash: createHash('sha256').update(fs.readFileSync(full)).digest('hex') } : {}),
    });
    if (type === 'dir') for (const name of fs.readdirSync(full)) walk(path.join(rel, name));
  };
  walk('');
  return seen;
}

/** Regular files below `dir` (no link followed), by path with the racer's ".aside-N" renames taken back. */
function restoredFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) {
        const original = child
          .split('/')
          .map((c) => c.replace(/\.aside-\d+$/, ''))
          .join('/');
        files.set(original, fs.readFileSync(path.join(dir, child)));
      }
    }
  };
  walk('');
  return files;
}

function setuidFiles(dir: string): string[] {
  const found: string[] = [];
  for (const rel of fs.readdirSync(dir, { recursive: true }).map(String)) {
    const st = fs.lstatSync(path.join(dir, rel));
    if (st.isFile() && (st.mode & 0o6000) !== 0) found.push(rel);
  }
  return found;
}

describe('a restore raced by someone who can write in its target', () => {
  const sb = new CliSandbox('sv-race-');
  const src = sb.path('src');
  const dirs: string[] = [];
  const dirList = sb.path('dirs.json');
  const sourceFiles = new Map<string, Buffer>();
  let snapshot = '';

  before(() => {
    assert.equal(
      process.getuid?.(),
      0,
      'test/restore-race.test.ts needs root: it restores setuid files and owners as root while another user races the restore (run it as root, as CI does)',
    );
    fs.chmodSync(sb.dir, 0o711); // the racer (nobody) must reach the target
    let n = 0;
    const file = (rel: string) => {
      const data = Buffer.from(`${rel}\n${'x'.repeat(n++ % 3000)}`);
      fs.writeFileSync(path.join(src, rel), data);
      sourceFiles.set(rel, data);
    };
    for (let t = 0; t < TOPS; t++) {
      for (let m = 0; m < MIDS; m++) {
        for (let l = 0; l < LEAVES; l++) {
          const leaf = `d${t}/s${m}/t${l}`;
          fs.mkdirSync(path.join(src, leaf), { recursive: true });
          for (let f = 0; f < 4; f++) file(`${leaf}/f${f}.txt`);
          dirs.push(leaf);
        }
        for (let f = 0; f < 2; f++) file(`d${t}/s${m}/g${f}.txt`);
        dirs.push(`d${t}/s${m}`);
      }
      dirs.push(`d${t}`);
    }
    const suid = 'd0/s1/t2/suid';
    fs.copyFileSync('/bin/true', path.join(src, suid));
    fs.chmodSync(path.join(src, suid), 0o4755);
    sourceFiles.set(suid, fs.readFileSync(path.join(src, suid)));
    execFileSync('mkfifo', [path.join(src, 'd1/s2/t3/fifo')]);
    fs.symlinkSync('/etc/passwd', path.join(src, 'd2/s3/t0/link'));
    for (const d of dirs) fs.chmodSync(path.join(src, d), 0o755);
    // Shallow directories first: the racer swaps a directory as soon as it appears.
    dirs.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
    fs.writeFileSync(dirList, JSON.stringify(dirs));

    sb.ok(['init']);
    const backup = only(sb.ok(['backup', src, '--json']).messages, 'summary')[0]!;
    snapshot = String(backup.snapshot_id);
  });
  after(() => sb.cleanup());

  /**
   * The outside: the snapshot's directories again, with files of their own, as a victim's would be. The racer
   * points each swapped directory at its counterpart here, so a restore that follows the link finds every
   * directory it expects and writes on.
   */
  function makeOutside(outside: string): void {
    for (const d of dirs) {
      const full = path.join(outside, d);
      fs.mkdirSync(full, { recursive: true });
      fs.writeFileSync(path.join(full, 'keep.txt'), `keep ${d}`);
      fs.chmodSync(path.join(full, 'keep.txt'), 0o640);
      fs.chownSync(path.join(full, 'keep.txt'), 1234, 1234);
      fs.utimesSync(path.join(full, 'keep.txt'), 1_000_000, 1_000_000);
    }
    for (const d of [...dirs].reverse()) {
      fs.chmodSync(path.join(outside, d), 0o750);
      fs.chownSync(path.join(outside, d), 1234, 1234);
      fs.utimesSync(path.join(outside, d), 1_000_000, 1_000_000);
    }
  }

  for (const racer of [
    { who: 'nobody', uid: NOBODY },
    { who: 'root', uid: 0 },
  ]) {
    it(`never writes or changes anything outside the target (racer: ${racer.who})`, async () => {
      const target = sb.path(`target-${racer.who}`);
      fs.mkdirSync(target);
      fs.chownSync(target, racer.uid, racer.uid);
      const stop = sb.path(`stop-${racer.who}`);
      const outside = sb.path(`outside-${racer.who}`);
      makeOutside(outside);
      const before = describeTree(outside);
      const elsewhere = (p: string) => !p.startsWith('src/') && !p.startsWith('target-');
      const setuidBefore = setuidFiles(sb.dir).filter(elsewhere);

      const child = spawn(process.execPath, ['-e', RACER, target, outside, stop, dirList], {
        uid: racer.uid,
        gid: racer.uid,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let racerOut = '';
      child.stdout.setEncoding('utf8');
      const racerDone = new Promise<void>((resolve) => child.on('close', () => resolve()));
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (d: string) => {
          racerOut += d;
          if (racerOut.includes('ready\n')) resolve();
        }),
      );
      const restore = await sb.runAsync(['restore', `${snapshot}:${src}`, '--target', target, '--json']);
      fs.writeFileSync(stop, '');
      await racerDone;
      const { swaps } = JSON.parse(racerOut.split('\n').find((l) => l.startsWith('{'))!) as { swaps: number };
      const failed = only(restore.messages, 'error').map((m) => String(m.item).replace(/^\//, ''));
      const reasons = new Set(
        only(restore.messages, 'error').map((m) =>
          String((m.error as { message: string }).message).replace(/\/\S*/g, '…'),
        ),
      );
      console.log(
        `racer ${racer.who}: ${swaps} swaps; restore exit ${restore.code}, ${failed.length} entries reported (${[...reasons].join('; ')})`,
      );
      assert.ok(swaps > 0, 'the racer never swapped a directory: the race did not happen');

      // Nothing outside changed, and no setuid file appeared anywhere but in the target.
      const afterwards = describeTree(outside);
      const changed = [...new Set([...before.keys(), ...afterwards.keys()])].filter(
        (p) => JSON.stringify(before.get(p), replacer) !== JSON.stringify(afterwards.get(p), replacer),
      );
      assert.deepEqual(
        changed.map(
          (p) =>
            `${p}: ${JSON.stringify(before.get(p), replacer)} -> ${JSON.stringify(afterwards.get(p), replacer)}`,
        ),
        [],
        'entries outside the target were created or changed',
      );
      const setuidAfter = setuidFiles(sb.dir).filter(
        (p) => !p.startsWith('src/') && !p.startsWith('target-'),
      );
      assert.deepEqual(setuidAfter, setuidBefore, 'a setuid file appeared outside the target');

      // Success means every file is there; otherwise what is missing was reported (exit 3, never a crash).
      assert.ok(
        restore.code === 0 || restore.code === 3,
        `restore exited ${restore.code}: ${restore.stdout}`,
      );
      const restored = restoredFiles(target);
      const reported = (rel: string) => failed.some((f) => rel === f || rel.startsWith(`${f}/`));
      for (const [rel, data] of sourceFiles) {
        const got = restored.get(rel);
        if (got === undefined) {
          assert.ok(restore.code === 3 && reported(rel), `${rel} is missing but was not reported as failed`);
          continue;
        }
        assert.ok(got.equals(data), `${rel} was restored with other content`);
      }
      if (restore.code === 3) assert.ok(failed.length > 0);
    });
  }
});

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
