// Crash safety: `backup` and `prune` are killed with SIGKILL at each step of their commit order and at random
// points of their progress. After every kill `check` passes (unreferenced leftovers are only notes), the next run
// completes, and no snapshot that had completed is lost; at the end all data reads back and restores identically.
// Every kill point is a point in the run's own progress, as the repository's file events show it (an object
// written or removed, so many bytes of packs stored), never a delay: how many runs are killed mid-way does not
// depend on how fast the machine is. The repository has small packs, so a backup stores packs all along.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { CliSandbox, only } from './support/cli.ts';
import {
  atNthPath,
  atPackBytes,
  countPaths,
  type KillOutcome,
  type KillPoint,
  killWhen,
  seeded,
} from './support/kill.ts';
import { FAST_KDF } from './support/small-repository.ts';

const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);

function snapshotIds(sb: CliSandbox): Set<string> {
  return new Set(only(sb.ok(['snapshots', '--json']).messages, 'snapshot').map((s) => String(s.id)));
}

/**
 * Removes the lock that a killed run left, as `stepvault unlock` would: the process is gone, so its lock is stale.
 * The test does it because it knows the process is dead: the program tells a stale lock of this host by its
 * process ID, and a busy machine (32768 IDs) may give that ID to another process before the next command runs.
 */
function removeLocksOf(sb: CliSandbox, outcome: KillOutcome): void {
  if (outcome.killed) for (const lock of outcome.locks) fs.rmSync(path.join(sb.repo, lock), { force: true });
}

function assertConsistent(sb: CliSandbox, mustHave: Set<string>, context: string): void {
  const check = sb.run(['check', '--json']);
  assert.equal(check.code, 0, `${context}: check failed after the kill\n${check.stdout}\n${check.stderr}`);
  const present = snapshotIds(sb);
  for (const id of mustHave)
    assert.ok(present.has(id), `${context}: completed snapshot ${id.slice(0, 8)} was lost`);
}

/** Adds a directory of new files; returns the size of its incompressible part (data no backup stored yet). */
function addFiles(dir: string, round: number, random: () => number): number {
  const sub = path.join(dir, `round-${round}`);
  fs.mkdirSync(sub, { recursive: true });
  for (let i = 0; i < 40; i++)
    fs.writeFileSync(
      path.join(sub, `f${i}.txt`),
      `round ${round} file ${i}\n`.repeat(50 + Math.floor(random() * 500)),
    );
  const blob = randomBytes(2 * 1024 * 1024 + Math.floor(random() * 4 * 1024 * 1024));
  fs.writeFileSync(path.join(sub, 'blob.bin'), blob);
  return blob.length;
}

describe(`crash safety (seed ${SEED})`, () => {
  const sb = new CliSandbox('sv-crash-');
  const data = sb.path('data');
  const random = seeded(SEED);
  before(async () => {
    fs.mkdirSync(data);
    for (let r = 0; r < 3; r++) addFiles(data, r, random);
    // Packs of 256 KiB: a backup of a few MiB stores packs all along its run, not only when it ends.
    await Repository.init(new LocalBackend(sb.repo), fs.readFileSync(sb.passwordFile, 'utf8').trim(), {
      kdf: FAST_KDF,
      packSize: 256 * 1024,
      chunker: { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 },
    });
  });
  after(() => sb.cleanup());

  it('backup killed at each step of the commit order', async () => {
    /** The snapshot is written and its chain entry is being staged (in tmp/, before its fsync and link). */
    const beforeChainEntry = (): KillPoint => {
      let snapshot = false;
      return (rel, exists) => {
        if (exists && rel.startsWith('snapshots/')) snapshot = true;
        return snapshot && exists && rel.startsWith('tmp/');
      };
    };
    const steps: [string, () => KillPoint][] = [
      ['lock written', () => (rel, exists) => exists && rel.startsWith('locks/')],
      ['first pack stored', () => (rel, exists) => exists && rel.startsWith('data/') && rel.length > 10],
      ['index written', () => (rel, exists) => exists && rel.startsWith('index/')],
      ['snapshot written, its chain entry not yet', beforeChainEntry],
      ['chain entry written', () => (rel, exists) => exists && rel.startsWith('chain/')],
    ];
    let round = 10;
    for (const [step, point] of steps) {
      // A kill sent on a file event races the few milliseconds of work left after the last steps: a run that
      // finished first is checked all the same and the step is tried again (the kill lands in nearly every run).
      let killed = false;
      for (let attempt = 0; attempt < 5 && !killed; attempt++) {
        addFiles(data, round++, random);
        const completed = snapshotIds(sb);
        const outcome = await killWhen(sb.start(['backup', data, '-q']), sb.repo, point());
        assert.ok(
          outcome.killed || outcome.code === 0,
          `${step}: the backup failed (${outcome.code}): ${outcome.stderr}`,
        );
        killed = outcome.killed;
        removeLocksOf(sb, outcome);
        assertConsistent(sb, completed, `killed after "${step}"`);
      }
      assert.ok(killed, `${step}: the backup finished before the kill in five runs`);
    }
    sb.ok(['backup', data, '-q']);
  });

  it('an interrupted backup (SIGINT) exits 130 and leaves no staged pack behind', async () => {
    addFiles(data, 30, random);
    const completed = snapshotIds(sb);
    const child = sb.start(['backup', data, '-q']);
    const mine = `pack-${child.pid}-`; // the CLI restarts itself in place: same process ID
    const outcome = await killWhen(
      child,
      sb.repo,
      (rel, exists) => exists && rel.startsWith(`tmp/${mine}`),
      'SIGINT',
    );
    assert.equal(outcome.code, 130, outcome.stderr);
    // (earlier SIGKILLed runs may have left files there: only a crash may do that)
    assert.deepEqual(
      fs.readdirSync(path.join(sb.repo, 'tmp')).filter((name) => name.startsWith(mine)),
      [],
    );
    assertConsistent(sb, completed, 'interrupted');
  });

  it('backup killed at random points of its progress', async (t) => {
    let kills = 0;
    let midway = 0;
    const points: string[] = [];
    for (let i = 0; i < 14; i++) {
      // Every run has new data to store: the kill comes once the packs it stored add up to a random fraction (at
      // most 60%) of the new incompressible file, so that at least 40% of it, the trees, the index and the
      // snapshot are still to be written when it comes.
      const fresh = addFiles(data, 20 + i, random);
      const completed = snapshotIds(sb);
      const bytes = Math.floor(random() * 0.6 * fresh);
      const force = i % 2 === 1;
      const outcome = await killWhen(
        sb.start(['backup', data, '-q', ...(force ? ['--force'] : [])]),
        sb.repo,
        atPackBytes(sb.repo, bytes),
      );
      const point = `kill ${i}${force ? ' (--force)' : ''} at ${bytes} of ${fresh} new bytes stored`;
      if (outcome.killed) kills++;
      else assert.equal(outcome.code, 0, `${point}: ${outcome.stderr}`);
      removeLocksOf(sb, outcome);
      const snapshotWritten = snapshotIds(sb).size > completed.size;
      if (outcome.killed && !snapshotWritten) midway++;
      points.push(
        `${point}: ${outcome.killed ? (snapshotWritten ? 'killed after its snapshot' : 'killed') : 'finished'}`,
      );
      assertConsistent(sb, completed, point);
    }
    t.diagnostic(`${midway} of 14 killed before their snapshot, ${kills} killed\n${points.join('\n')}`);
    assert.ok(
      midway >= 12,
      `only ${midway} of 14 runs were killed before writing their snapshot (${kills} killed):\n${points.join('\n')}`,
    );
    const final = only(sb.ok(['backup', data, '--json']).messages, 'summary')[0]!;
    assert.ok(final.snapshot_id);
    // What the killed backups staged is removed by prune once it is an hour old; a younger file stays.
    const tmp = path.join(sb.repo, 'tmp');
    const left = fs.readdirSync(tmp);
    const hoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const name of left) fs.utimesSync(path.join(tmp, name), hoursAgo, hoursAgo);
    fs.writeFileSync(path.join(tmp, 'pack-1-young'), 'x');
    const pruned = only(sb.ok(['prune', '--json']).messages, 'summary')[0]!;
    assert.equal(pruned.temporary_files_removed, left.length);
    assert.deepEqual(fs.readdirSync(tmp), ['pack-1-young']);
    assertConsistent(sb, snapshotIds(sb), 'after prune');
  });

  it('prune killed at each step and at random points of its progress', async (t) => {
    const steps: [string, (rel: string, exists: boolean) => boolean][] = [
      ['repacked pack stored', (rel, exists) => exists && rel.startsWith('data/') && rel.length > 10],
      ['new index written', (rel, exists) => exists && rel.startsWith('index/')],
      ['old index removed', (rel, exists) => !exists && rel.startsWith('index/')],
      ['first pack deleted', (rel, exists) => !exists && rel.startsWith('data/') && rel.length > 10],
    ];
    let round = 40;
    const freshRound = () => {
      // New snapshots with data of their own, then forget the oldest, so prune has packs to delete and repack.
      for (let i = 0; i < 2; i++) {
        addFiles(data, round, random);
        fs.rmSync(path.join(data, `round-${round - 3}`), { recursive: true, force: true });
        round++;
        sb.ok(['backup', data, '-q']);
      }
      sb.ok(['forget', '--keep-last', '3']);
    };
    // A random point is the k-th of the files that the same prune creates or removes in an identical copy of the
    // repository, run to its end just before: a point in its own progress, from its lock to its last deletion.
    const randomPoint = async (): Promise<{ label: string; point: KillPoint }> => {
      const copy = sb.path('reference-repo');
      fs.cpSync(sb.repo, copy, { recursive: true, preserveTimestamps: true });
      const reference = await countPaths(
        sb.start(['prune', '--max-unused', '0%', '-q'], {
          STEPVAULT_REPOSITORY: copy,
          XDG_CACHE_HOME: sb.path('reference-cache'),
        }),
        copy,
      );
      fs.rmSync(copy, { recursive: true, force: true });
      assert.equal(reference.code, 0, `the reference prune failed: ${reference.stderr}`);
      const nth = 1 + Math.floor(random() * (reference.paths - 1));
      return { label: `random kill at file ${nth} of ${reference.paths}`, point: atNthPath(nth) };
    };
    // Each plan chooses the kill point of one prune once the repository it runs on is ready.
    const plans: { step: boolean; choose: () => Promise<{ label: string; point: KillPoint }> }[] = [
      ...steps.map(([label, point]) => ({ step: true, choose: async () => ({ label, point }) })),
      ...Array.from({ length: 6 }, () => ({ step: false, choose: randomPoint })),
    ];
    let kills = 0;
    const outcomes: string[] = [];
    for (const plan of plans) {
      freshRound();
      const kept = snapshotIds(sb);
      const { label, point } = await plan.choose();
      const outcome = await killWhen(sb.start(['prune', '--max-unused', '0%', '-q']), sb.repo, point);
      assert.ok(outcome.killed || outcome.code === 0, `${label}: prune failed: ${outcome.stderr}`);
      if (outcome.killed) kills++;
      else assert.ok(!plan.step, `${label}: prune finished before that step`);
      removeLocksOf(sb, outcome);
      assertConsistent(sb, kept, `prune ${label}`);
      outcomes.push(`${label}: ${outcome.killed ? 'killed' : 'finished'}`);
    }
    t.diagnostic(`${kills} of ${plans.length} prunes killed\n${outcomes.join('\n')}`);
    assert.ok(kills >= 6, `only ${kills} of ${plans.length} prunes were killed before finishing`);
    sb.ok(['prune', '--max-unused', '0%']);
    sb.ok(['check', '--read-data']);
    const target = sb.path('final-restore');
    sb.ok(['restore', `latest:${data}`, '--target', target]);
    for (const dir of fs.readdirSync(data)) {
      for (const f of fs.readdirSync(path.join(data, dir))) {
        assert.deepEqual(
          fs.readFileSync(path.join(target, dir, f)),
          fs.readFileSync(path.join(data, dir, f)),
          `${dir}/${f}`,
        );
      }
    }
  });
});
