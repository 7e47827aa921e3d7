// Backup plans end to end: a stepvault.yaml with a files source, a primary and a copy repository (local
// directories) and a rule with retention, copyTo and verification; the plan runs on the durable engine with a
// manual clock moved between runs (in this process, through runPlan), then `stepvault plan list` and a failing
// plan run as a user runs them (separate processes). Notifications go to a webhook receiver on loopback.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../src/common/clock.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { applyRetention } from '../src/domain/retention.ts';
import type { StoredSnapshot } from '../src/domain/snapshot.ts';
import { ConfigEnvironment, planSettings } from '../src/plans/config-environment.ts';
import { createPlanEngine, runPlan } from '../src/plans/run-plan.ts';
import { Repository } from '../src/repository/repository.ts';
import { listSnapshots } from '../src/repository/snapshot/snapshot-store.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { MAIN } from './support/cli.ts';
import { FAST_KDF } from './support/small-repository.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';

const PASSWORD = 'plan test password';

/** Runs the CLI as a separate process, without blocking this one (the webhook receiver lives here). */
function cli(
  dir: string,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: path.join(dir, 'cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('plan run', () => {
  let dir: string;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const open = (name: string) => Repository.open(new LocalBackend(path.join(dir, name)), PASSWORD);
  const snapshotsOf = async (name: string) => (await listSnapshots(await open(name))).snapshots;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-plan-run-'));
    hook = await startWebhookReceiver();
    fs.writeFileSync(path.join(dir, 'password'), `${PASSWORD}\n`);
    for (const name of ['primary', 'copy'])
      await Repository.init(new LocalBackend(path.join(dir, name)), PASSWORD, { kdf: FAST_KDF });
    fs.mkdirSync(path.join(dir, 'data', 'docs'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data', 'docs', 'readme.txt'), 'version 1\n');
    fs.mkdirSync(path.join(dir, 'workflows'));
    fs.writeFileSync(
      path.join(dir, 'workflows', 'backup-only.asl.json'),
      JSON.stringify({
        StartAt: 'Backup',
        States: {
          Backup: {
            Type: 'Task',
            Resource: 'arn:aws:states:::stepvault:backup',
            Parameters: {
              'plan.$': '$.plan',
              'rule.$': '$.rule',
              'source.$': '$.source',
              'repository.$': '$.repository',
            },
            ResultSelector: { 'snapshotId.$': '$.snapshotId' },
            End: true,
          },
        },
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'workflows', 'invalid.asl.json'),
      JSON.stringify({
        StartAt: 'Backup',
        States: { Backup: { Type: 'Task', Resource: 'arn:aws:states:::stepvault:backupp', Next: 'Nowhere' } },
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'stepvault.yaml'),
      `version: 1
repositories:
  primary: { location: ./primary, password: { file: ./password } }
  copy: { location: ./copy, password: { file: ./password } }
  nowhere: { location: ./nowhere, password: { file: ./password } }
sources:
  data: { type: files, paths: [./data] }
  broken: { type: files, paths: [./no-such-directory] }
plans:
  docs:
    source: data
    repository: primary
    rules:
      - name: twice-daily
        schedule: cron(0 3/12 * * ? *)
        timezone: Europe/Berlin
        retention: { keepDaily: 2 }
        copyTo: [{ repository: copy, retention: { keepLast: 1 } }]
        verify: { checkSubset: 100%, restoreTest: { pick: latest, compare: all } }
        tags: [team-docs]
  broken:
    source: broken
    repository: primary
    rules:
      - name: nightly
        schedule: cron(0 3 * * ? *)
  spread:
    source: data
    repository: primary
    rules:
      - name: hourly
        schedule: rate(1 hour)
        retention: { keepLast: 5 }
        copyTo: [{ repository: nowhere }, { repository: copy }]
  custom:
    source: data
    repository: copy
    workflow: ./workflows/backup-only.asl.json
    rules:
      - name: adhoc
        schedule: rate(1 day)
  invalid:
    source: data
    repository: copy
    workflow: ./workflows/invalid.asl.json
    rules:
      - name: adhoc
        schedule: rate(1 day)
notifications:
  hook:
    type: webhook
    url: ${hook.url}
    events: ['*']
server:
  stateDir: ./state
`,
    );
  });
  after(async () => {
    await hook?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('backs up on every run, copies, applies retention exactly as the policy says, and notifies', async () => {
    const loaded = loadConfig(path.join(dir, 'stepvault.yaml'));
    const clock = new ManualClock(Date.parse('2026-03-10T02:00:00Z'));
    const environment = new ConfigEnvironment(loaded, { clock, host: 'plan-test' });
    const engine = createPlanEngine({ store: path.join(dir, 'state', 'workflows.db'), environment });
    const plan = planSettings(loaded, 'docs');
    const made: StoredSnapshot[] = [];
    try {
      for (const [i, hours] of [0, 12, 24].entries()) {
        clock.set(Date.parse('2026-03-10T02:00:00Z') + hours * 3_600_000);
        fs.writeFileSync(
          path.join(dir, 'data', 'docs', `note-${i}.txt`),
          `note ${i}\n`.repeat(100 * (i + 1)),
        );
        const result = await runPlan(engine, { plan });
        assert.equal(result.status, 'SUCCEEDED', `run ${i}: ${result.error}: ${result.cause}`);
        const output = result.output as Record<string, unknown>;
        const snapshot = (await snapshotsOf('primary')).find((s) => s.id === output.snapshotId);
        assert.ok(snapshot, `run ${i}: its snapshot is in the primary repository`);
        assert.equal(snapshot.time, clock.now().toISOString());
        assert.deepEqual(snapshot.tags.slice(0, 3), ['plan:docs', 'rule:twice-daily', 'team-docs']);
        made.push(snapshot);

        const copies = await snapshotsOf('copy');
        assert.deepEqual(
          copies.map((c) => c.original),
          [snapshot.id],
          `run ${i}: the copy repository holds this run's snapshot, and its retention (keepLast 1) only that`,
        );
        assert.deepEqual(output.copies, [{ repository: 'copy', snapshotId: copies[0]!.id, failed: false }]);
        const restoreTest = output.restoreTest as { execution: string; report: Record<string, unknown> };
        assert.equal(restoreTest.report.ok, true, `run ${i}: the restore test passes`);
        assert.equal(restoreTest.report.snapshotId, snapshot.id, 'it restored the newest snapshot');
        assert.equal(restoreTest.report.filesChecked, i + 2, 'every file of it');
        assert.equal(engine.describeExecution(restoreTest.execution).status, 'SUCCEEDED');
      }
      const expected = applyRetention(made, { daily: 2 }, 'Europe/Berlin');
      assert.deepEqual(
        expected.remove.map((s) => s.id),
        [made[0]!.id],
        'two runs on the first day: the earlier one goes',
      );
      assert.deepEqual(
        (await snapshotsOf('primary')).map((s) => s.id).sort(),
        expected.keep.map((k) => k.snapshot.id).sort(),
      );
      assert.deepEqual(
        hook.events.map((e) => [e.kind, e.plan, e.rule]),
        [0, 1, 2].flatMap(() => [
          ['restore-test.succeeded', 'docs', 'twice-daily'],
          ['backup.succeeded', 'docs', 'twice-daily'],
        ]),
      );
      assert.deepEqual(
        hook.events.map((e) => e.snapshotId),
        made.flatMap((s) => [s.id, s.id]),
      );
    } finally {
      await engine.close();
      await environment.close();
    }
  });

  it('lists the plans with their next runs and last runs', async () => {
    const r = await cli(dir, 'plan', 'list', '--json');
    assert.equal(r.code, 0, r.stderr);
    const rules = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const docs = rules.find((m) => m.plan === 'docs')!;
    assert.equal(docs.message_type, 'plan_rule');
    assert.equal((docs.last_run as { status: string }).status, 'SUCCEEDED');
    assert.equal((docs.next_runs as string[]).length, 1);
    assert.deepEqual(docs.copy_to, ['copy']);
    const broken = rules.find((m) => m.plan === 'broken')!;
    assert.equal(broken.last_run, null);
    const text = await cli(dir, 'plan', 'list');
    assert.match(
      text.stdout,
      /docs\s+twice-daily\s+data\s+primary -> copy\s+cron\(0 3\/12 \* \* \? \*\)\s+\d{4}-\d\d-\d\d (03|15):00 Europe\/Berlin\s+SUCCEEDED/,
    );
  });

  it('a failing source notifies on the failure path and exits 1', async () => {
    const before = hook.events.length;
    const r = await cli(dir, 'plan', 'run', 'broken');
    assert.equal(r.code, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(
      r.stderr,
      /Preflight failed: Stepvault\.NotFound: source broken: .*no-such-directory does not exist/,
    );
    assert.match(r.stderr, /broken: FAILED: Stepvault\.NotFound/);
    const failed = hook.events.slice(before);
    assert.deepEqual(
      failed.map((e) => [e.kind, e.plan, e.error?.code]),
      [['backup.failed', 'broken', 'Stepvault.NotFound']],
    );
  });

  it('a copy target that fails is notified on its own; the other copies and retention still happen', async () => {
    const before = hook.events.length;
    const r = await cli(dir, 'plan', 'run', 'spread', '--json');
    assert.equal(r.code, 1, r.stderr);
    const summary = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message_type: string; error?: string; cause?: string })
      .find((m) => m.message_type === 'summary')!;
    assert.equal(summary.error, 'Stepvault.AfterBackupFailed');
    assert.match(
      summary.cause ?? '',
      /the backup succeeded \(snapshot [0-9a-f]{64}\), but copying to \[nowhere\]/,
    );
    const events = hook.events.slice(before);
    assert.deepEqual(
      events.map((e) => [e.kind, e.plan, e.error?.code]),
      [['copy.failed', 'spread', 'Stepvault.RepositoryNotFound']],
    );
    const made = (await snapshotsOf('primary')).filter((s) => s.tags.includes('plan:spread'));
    assert.equal(made.length, 1);
    assert.ok(
      (await snapshotsOf('copy')).some((s) => s.original === made[0]!.id),
      'the copy that could be made was made',
    );
  });

  it('a restore test of a damaged repository fails, notifies and exits 1', async () => {
    const packs = path.join(dir, 'primary', 'data');
    for (const sub of fs.readdirSync(packs))
      for (const name of fs.readdirSync(path.join(packs, sub))) {
        const file = path.join(packs, sub, name);
        const bytes = fs.readFileSync(file);
        bytes[bytes.length >> 1]! ^= 0x40;
        fs.writeFileSync(file, bytes);
      }
    const before = hook.events.length;
    const r = await cli(dir, 'plan', 'run', 'docs', '--workflow', 'restore-test');
    assert.equal(r.code, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(
      r.stderr,
      /docs: FAILED: Stepvault\.RestoreTestMismatch: snapshot [0-9a-f]{8} did not restore as recorded: .*corrupt/,
    );
    assert.deepEqual(
      hook.events.slice(before).map((e) => [e.kind, e.plan]),
      [['restore-test.failed', 'docs']],
    );
  });

  it('runs a plan whose workflow is overridden, and refuses an invalid override naming every finding', async () => {
    const ok = await cli(dir, 'plan', 'run', 'custom', '--json');
    assert.equal(ok.code, 0, ok.stderr);
    const summary = ok.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message_type: string; output?: { snapshotId?: string } })
      .find((m) => m.message_type === 'summary')!;
    const copies = await snapshotsOf('copy');
    const made = copies.find((s) => s.id === summary.output?.snapshotId);
    assert.ok(made, 'the override backed up into the copy repository');
    assert.deepEqual(made.tags.slice(0, 2), ['plan:custom', 'rule:adhoc']);

    const bad = await cli(dir, 'plan', 'run', 'invalid');
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /the workflow .*invalid\.asl\.json is invalid/);
    assert.match(
      bad.stderr,
      /\/States\/Backup.*no handler is registered for 'arn:aws:states:::stepvault:backupp'/,
    );
    assert.match(bad.stderr, /Nowhere/);
  });

  it('refuses an unknown plan or rule as a usage error', async () => {
    assert.equal((await cli(dir, 'plan', 'run', 'nope')).code, 2);
    const r = await cli(dir, 'plan', 'run', 'docs', '--rule', 'weekly');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /plan docs has no rule "weekly"[\s\S]*its rules: twice-daily/);
  });
});
