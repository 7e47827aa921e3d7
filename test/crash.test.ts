// Crash safety: `backup` and `prune` are killed with SIGKILL at random moments and at each step of their commit
// order. After every kill `check` passes (unreferenced leftovers are only notes), the next run completes, and no
// snapshot that had completed is lost; at the end all data reads back and restores identically.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliSandbox, only } from './support/cli.ts';
import { killAfter, killWhen, seeded } from './support/kill.ts';

const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);

function snapshotIds(sb: CliSandbox): Set<string> {
  return new Set(only(sb.ok(['snapshots', '--json']).messages, 'snapshot').map((s) => String(s.id)));
}

function assertConsistent(sb: CliSandbox, mustHave: Set<string>, context: string): void {
  const check = sb.run(['check', '--json']);
  assert.equal(check.code, 0, `${context}: check failed after the kill\n${check.stdout}\n${check.stderr}`);
  const present = snapshotIds(sb);
  for (const id of mustHave)
    assert.ok(present.has(id), `${context}: completed snapshot ${id.slice(0, 8)} was lost`);
}

function addFiles(dir: string, round: number, random: () => number): void {
  const sub = path.join(dir, `round-${round}`);
  fs.mkdirSync(sub, { recursive: true });
  for (let i = 0; i < 40; i++)
    fs.writeFileSync(
      path.join(sub, `f${i}.txt`),
      `round ${round} file ${i}\n`.repeat(50 + Math.floor(random() * 500)),
    );
  fs.writeFileSync(
    path.join(sub, 'blob.bin'),
    randomBytes(2 * 1024 * 1024 + Math.floor(random() * 4 * 1024 * 1024)),
  );
}

describe(`crash safety (seed ${SEED})`, () => {
  const sb = new CliSandbox('sv-crash-');
  const data = sb.path('data');
  const random = seeded(SEED);
  before(() => {
    fs.mkdirSync(data);
    for (let r = 0; r < 3; r++) addFiles(data, r, random);
    sb.ok(['init']);
  });
  after(() => sb.cleanup());

  it('backup killed at each step of the commit order', async () => {
    const steps: [string, (rel: string, exists: boolean) => boolean][] = [
      ['lock written', (rel, exists) => exists && rel.startsWith('locks/')],
      ['first pack stored', (rel, exists) => exists && rel.startsWith('data/') && rel.length > 10],
      ['index written', (rel, exists) => exists && rel.startsWith('index/')],
      ['snapshot written', (rel, exists) => exists && rel.startsWith('snapshots/')],
    ];
    let round = 10;
    for (const [step, matches] of steps) {
      addFiles(data, round++, random);
      const completed = snapshotIds(sb);
      const outcome = await killWhen(sb.start(['backup', data, '-q']), sb.repo, matches);
      assert.ok(
        outcome.killed,
        `${step}: the backup finished before the kill (${outcome.code}): ${outcome.stderr}`,
      );
      assertConsistent(sb, completed, `killed after "${step}"`);
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

  it('backup killed at random moments', async () => {
    const started = Date.now();
    sb.ok(['backup', data, '-q', '--force']);
    const duration = Date.now() - started;
    let kills = 0;
    for (let i = 0; i < 14; i++) {
      if (i % 3 === 0) addFiles(data, 20 + i, random);
      const completed = snapshotIds(sb);
      const delay = Math.floor(random() * duration * 1.1);
      const outcome = await killAfter(sb.start(['backup', data, '-q', ...(i % 2 ? ['--force'] : [])]), delay);
      if (outcome.killed) kills++;
      else assert.equal(outcome.code, 0, outcome.stderr);
      assertConsistent(sb, completed, `kill ${i} after ${delay} ms`);
    }
    assert.ok(kills >= 7, `only ${kills} of 14 runs were killed before finishing`);
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

  it('prune killed at each step and at random moments', async () => {
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
    // One uninterrupted prune says how long a prune takes here, so that random kills land while one runs.
    freshRound();
    const started = Date.now();
    sb.ok(['prune', '--max-unused', '0%', '-q']);
    const duration = Date.now() - started;
    const plans: {
      label: string;
      kill: (child: ReturnType<CliSandbox['start']>) => ReturnType<typeof killAfter>;
    }[] = [
      ...steps.map(([label, matches]) => ({
        label,
        kill: (c: ReturnType<CliSandbox['start']>) => killWhen(c, sb.repo, matches),
      })),
      ...Array.from({ length: 6 }, (_, i) => {
        const delay = Math.floor(duration * (0.1 + 0.8 * random()));
        return {
          label: `random kill ${i} after ${delay} ms`,
          kill: (c: ReturnType<CliSandbox['start']>) => killAfter(c, delay),
        };
      }),
    ];
    let kills = 0;
    for (const plan of plans) {
      freshRound();
      const kept = snapshotIds(sb);
      const outcome = await plan.kill(sb.start(['prune', '--max-unused', '0%', '-q'], {}));
      assert.ok(outcome.killed || outcome.code === 0, `${plan.label}: prune failed: ${outcome.stderr}`);
      if (outcome.killed) kills++;
      else
        assert.ok(
          !steps.some(([label]) => label === plan.label),
          `${plan.label}: prune finished before that step`,
        );
      assertConsistent(sb, kept, `prune ${plan.label}`);
    }
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
