// The daemon end to end, in this process with a manual clock: a stepvault.yaml with a files source and a
// Confluence source (the simulator on loopback), plans on an hourly schedule with retention, a copy repository
// and a restore test; notifications to a webhook receiver and a real SMTP server on loopback. The clock is
// moved from one scheduled time to the next and the daemon left to settle: snapshots appear, retention removes
// exactly what applyRetention says, the copy repository holds copies of every snapshot, restore tests pass,
// the receivers get the events, /metrics shows the numbers of the runs. Then failures breach the RPO (and
// recover), and the API runs a plan, restores into a directory and — after an admin's approval — in place, and
// rolls the Confluence site back in place. Every API reply is checked against the daemon's OpenAPI document.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { ManualClock } from '../src/common/clock.ts';
import { Daemon } from '../src/daemon/daemon.ts';
import type { DaemonEvent } from '../src/daemon/daemon-events.ts';
import { applyRetention } from '../src/domain/retention.ts';
import type { StoredSnapshot } from '../src/domain/snapshot.ts';
import { computeStats } from '../src/operations/browse/stats.ts';
import { BlobReader } from '../src/repository/blob-reader.ts';
import { loadIndexForReading } from '../src/repository/index/adopt-packs.ts';
import { Repository } from '../src/repository/repository.ts';
import { listSnapshots } from '../src/repository/snapshot/snapshot-store.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { simSourceYaml } from './support/confluence-sim-source.ts';
import {
  type ApiReply,
  apiTokens,
  auditRecords,
  call,
  openApiValidator,
  type SmtpReceiver,
  startSmtpReceiver,
} from './support/daemon-harness.ts';
import { FAST_KDF } from './support/small-repository.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

const PASSWORD = 'daemon e2e repository password';
const SMTP_PASSWORD = 'daemon-e2e-smtp-password';
const HOOK_KEY = 'daemon-e2e-webhook-key';
const T0 = Date.parse('2026-03-10T00:40:00Z');
const at = (hhmm: string) => Date.parse(`2026-03-10T${hhmm}:00Z`);

describe('stepvault serve end to end', () => {
  let dir: string;
  let sim: ConfluenceSim;
  let hook: WebhookReceiver;
  let smtp: SmtpReceiver;
  let daemon: Daemon;
  const clock = new ManualClock(T0);
  const logs: DaemonEvent[] = [];
  const { tokens, yaml: tokenYaml } = apiTokens('e2e');
  let api: ReturnType<typeof openApiValidator>;
  const made = { docs: [] as StoredSnapshot[], wiki: [] as StoredSnapshot[] };

  const open = (name: string) => Repository.open(new LocalBackend(path.join(dir, name)), PASSWORD);
  const snapshotsOf = async (name: string) => (await listSnapshots(await open(name))).snapshots;
  /** Calls the API and checks the reply against the OpenAPI document. */
  const request = async (
    method: string,
    template: string,
    pathAndQuery: string,
    token: string,
    body?: unknown,
  ): Promise<ApiReply> => {
    const reply = await call(daemon.url, method, pathAndQuery, {
      token,
      ...(body !== undefined ? { body } : {}),
    });
    api.check(method, template, reply);
    return reply;
  };
  const metric = (text: string, series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const settleAt = async (time: number) => {
    clock.set(time);
    await daemon.settled();
  };
  const newestOf = async (plan: 'docs' | 'wiki') => {
    const all = (await snapshotsOf('primary')).filter((s) => s.tags.includes(`plan:${plan}`));
    return all[0]!;
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-daemon-e2e-'));
    sim = await startConfluenceSim({});
    sim.generate({ seed: 5, spaces: 2, pages: 24, attachments: 4, blogPosts: 2, treeItems: 0 });
    hook = await startWebhookReceiver();
    smtp = await startSmtpReceiver(SMTP_PASSWORD);
    for (const name of ['primary', 'copy'])
      await Repository.init(new LocalBackend(path.join(dir, name)), PASSWORD, { kdf: FAST_KDF });
    fs.mkdirSync(path.join(dir, 'data', 'docs'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data', 'docs', 'readme.txt'), 'version 1\n');
    fs.writeFileSync(
      path.join(dir, 'stepvault.yaml'),
      `version: 1
repositories:
  primary: { location: ./primary, password: { env: SV_E2E_PASSWORD } }
  copy: { location: ./copy, password: { env: SV_E2E_PASSWORD } }
sources:
  files:
    type: files
    paths: [./data]
  site:
${simSourceYaml(sim, '{ env: SV_E2E_CONFLUENCE_TOKEN }')}
plans:
  docs:
    source: files
    repository: primary
    approvalForProductionRestore: true
    rules:
      - name: hourly
        schedule: "0 * * * *"
        startWindow: 30min
        completionWindow: 2h
        retention: { keepLast: 2 }
        copyTo: [{ repository: copy, retention: { keepLast: 3 } }]
        verify: { checkSubset: 100%, restoreTest: { pick: latest, compare: all } }
        tags: [e2e]
        rpo: 3h
  wiki:
    source: site
    repository: primary
    rules:
      - name: hourly
        schedule: "30 * * * *"
        startWindow: 20min
        retention: { keepLast: 2 }
        copyTo: [{ repository: copy }]
notifications:
  hook:
    type: webhook
    url: ${hook.url}
    headers: { X-Api-Key: { env: SV_E2E_HOOK_KEY } }
    events: ['*']
  mail:
    type: smtp
    host: 127.0.0.1
    port: ${smtp.port}
    auth: { user: stepvault, pass: { env: SV_E2E_SMTP_PASSWORD } }
    from: stepvault@example.com
    to: [ops@example.com]
    events: ['backup.*', 'rpo.*']
server:
  listen: 127.0.0.1:0
  stateDir: ./state
  tokens:
${tokenYaml}
`,
    );
    daemon = await Daemon.start({
      configFile: path.join(dir, 'stepvault.yaml'),
      clock,
      host: 'e2e-host',
      env: {
        SV_E2E_PASSWORD: PASSWORD,
        SV_E2E_CONFLUENCE_TOKEN: sim.credentials.apiToken,
        SV_E2E_HOOK_KEY: HOOK_KEY,
        SV_E2E_SMTP_PASSWORD: SMTP_PASSWORD,
      },
      onEvent: (e) => logs.push(e),
    });
    const doc = await call(daemon.url, 'GET', '/api/v1/openapi.json', { token: tokens.viewer });
    assert.equal(doc.status, 200);
    api = openApiValidator(doc.json as Record<string, unknown>);
  });

  after(async () => {
    await daemon?.shutdown(5000);
    await sim?.close();
    await hook?.close();
    await smtp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the plans on schedule: snapshots, retention, copies, restore tests, notifications', async () => {
    await daemon.settled();
    assert.equal((await snapshotsOf('primary')).length, 0, 'nothing is due at 00:40');
    for (const [i, hour] of ['01', '02', '03'].entries()) {
      fs.writeFileSync(path.join(dir, 'data', 'docs', `note-${i}.txt`), `note ${i}\n`.repeat(200 * (i + 1)));
      await settleAt(at(`${hour}:00`));
      const docs = await newestOf('docs');
      assert.equal(
        docs.time,
        new Date(at(`${hour}:00`)).toISOString(),
        `the ${hour}:00 docs run made a snapshot`,
      );
      assert.deepEqual(docs.tags.slice(0, 3), ['plan:docs', 'rule:hourly', 'e2e']);
      made.docs.push(docs);
      sim.edits.editPages({ count: 2, seed: 10 + i });
      await settleAt(at(`${hour}:30`));
      const wiki = await newestOf('wiki');
      assert.equal(
        wiki.time,
        new Date(at(`${hour}:30`)).toISOString(),
        `the ${hour}:30 wiki run made a snapshot`,
      );
      assert.equal(wiki.source.type, 'confluence');
      made.wiki.push(wiki);
    }

    const primary = await snapshotsOf('primary');
    for (const plan of ['docs', 'wiki'] as const) {
      const expected = applyRetention(made[plan], { last: 2 }, 'UTC');
      assert.deepEqual(
        primary
          .filter((s) => s.tags.includes(`plan:${plan}`))
          .map((s) => s.id)
          .sort(),
        expected.keep.map((k) => k.snapshot.id).sort(),
        `${plan}: retention keeps exactly what keepLast 2 keeps`,
      );
      assert.deepEqual(
        expected.remove.map((s) => s.id),
        [made[plan][0]!.id],
      );
    }
    const copies = await snapshotsOf('copy');
    assert.deepEqual(
      copies.map((c) => c.original).sort(),
      [...made.docs, ...made.wiki].map((s) => s.id).sort(),
      'the copy repository received every snapshot (docs keep 3 there, wiki keeps all)',
    );

    const runs = await request(
      'GET',
      '/api/v1/executions',
      '/api/v1/executions?workflow=backup&limit=100',
      tokens.viewer,
    );
    const executions = (runs.json as { executions: { name: string; status: string; output?: string }[] })
      .executions;
    assert.equal(executions.length, 6);
    assert.ok(executions.every((e) => e.status === 'SUCCEEDED'));
    for (const e of executions.filter((x) => x.name.startsWith('docs.'))) {
      const output = JSON.parse(e.output!) as {
        restoreTest: { report: { ok: boolean; filesChecked: number } };
      };
      assert.equal(output.restoreTest.report.ok, true, `${e.name}: the restore test passed`);
    }
    assert.deepEqual(executions.map((e) => e.name).sort(), [
      'docs.hourly.20260310T010000Z',
      'docs.hourly.20260310T020000Z',
      'docs.hourly.20260310T030000Z',
      'wiki.hourly.20260310T013000Z',
      'wiki.hourly.20260310T023000Z',
      'wiki.hourly.20260310T033000Z',
    ]);

    assert.deepEqual(
      hook.events.map((e) => `${e.kind} ${e.plan}`),
      [0, 1, 2].flatMap(() => [
        'restore-test.succeeded docs',
        'backup.succeeded docs',
        'backup.succeeded wiki',
      ]),
    );
    assert.ok(
      hook.requests.every((r) => r.headers['x-api-key'] === HOOK_KEY),
      'the webhook header was sent',
    );
    assert.equal(smtp.messages.length, 6, 'one e-mail per backup');
    assert.ok(smtp.messages.every((m) => m.to.includes('ops@example.com')));
    assert.equal(
      smtp.messages.filter((m) => /Subject: .*backup succeeded: wiki\/hourly/.test(m.raw)).length,
      3,
    );
  });

  it('shows the runs in /metrics and the metrics summary', async () => {
    const reply = await call(daemon.url, 'GET', '/metrics', { token: tokens.viewer });
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/plain/);
    const text = reply.text;
    const lastDocs = made.docs.at(-1)!;
    assert.equal(
      metric(text, 'stepvault_source_last_success_timestamp_seconds{source="files"}'),
      at('03:00') / 1000,
    );
    assert.equal(
      metric(text, 'stepvault_source_last_success_timestamp_seconds{source="site"}'),
      at('03:30') / 1000,
    );
    assert.equal(
      metric(text, 'stepvault_source_last_duration_seconds{source="files"}'),
      0,
      'the manual clock stood still',
    );
    assert.equal(metric(text, 'stepvault_source_bytes_added{source="files"}'), lastDocs.summary!.dataAdded);
    assert.ok(lastDocs.summary!.dataAdded > 0);
    const repo = await open('primary');
    const { index } = await loadIndexForReading(repo);
    for (const [source, plan] of [
      ['files', 'docs'],
      ['site', 'wiki'],
    ] as const) {
      const own = (await listSnapshots(repo)).snapshots.filter((s) => s.tags.includes(`plan:${plan}`));
      const stats = computeStats(new BlobReader(repo, index), own);
      const expected = await stats;
      assert.equal(metric(text, `stepvault_source_stored_bytes{source="${source}"}`), expected.storedSize);
      assert.equal(metric(text, `stepvault_source_dedup_ratio{source="${source}"}`), expected.dedupRatio);
    }
    assert.equal(metric(text, 'stepvault_source_rpo_seconds{source="files"}'), 3 * 3600);
    assert.equal(metric(text, 'stepvault_source_rpo_breach{source="files"}'), 0);
    assert.equal(metric(text, 'stepvault_source_rpo_breach{source="site"}'), undefined, 'no RPO, no series');
    assert.equal(
      metric(text, 'stepvault_backup_runs_total{plan="docs",rule="hourly",status="SUCCEEDED"}'),
      3,
    );
    assert.equal(
      metric(text, 'stepvault_backup_runs_total{plan="wiki",rule="hourly",status="SUCCEEDED"}'),
      3,
    );
    assert.equal(
      metric(
        text,
        'stepvault_verification_runs_total{plan="docs",rule="hourly",kind="restore-test",outcome="passed"}',
      ),
      3,
    );
    assert.equal(
      metric(
        text,
        'stepvault_verification_runs_total{plan="docs",rule="hourly",kind="check",outcome="passed"}',
      ),
      3,
    );
    assert.equal(metric(text, 'stepvault_workflow_executions_total{workflow="backup"}'), 6);
    assert.equal(metric(text, 'stepvault_workflow_executions_total{workflow="restore-test"}'), 3);
    assert.equal(metric(text, 'stepvault_workflow_failures_total{workflow="backup"}'), 0);

    const summary = await request('GET', '/api/v1/metrics/summary', '/api/v1/metrics/summary', tokens.viewer);
    const files = (
      summary.json as { sources: { name: string; lastSuccess: string; rpoBreached: boolean }[] }
    ).sources.find((s) => s.name === 'files')!;
    assert.equal(files.lastSuccess, new Date(at('03:00')).toISOString());
    assert.equal(files.rpoBreached, false);
  });

  it('breaches the RPO when backups fail for longer than it, and recovers', async () => {
    fs.renameSync(path.join(dir, 'data'), path.join(dir, 'data-away'));
    for (const hhmm of ['04:00', '05:00', '06:00']) await settleAt(at(hhmm));
    let text = (await call(daemon.url, 'GET', '/metrics', { token: tokens.viewer })).text;
    assert.equal(metric(text, 'stepvault_backup_runs_total{plan="docs",rule="hourly",status="FAILED"}'), 3);
    assert.equal(metric(text, 'stepvault_source_rpo_breach{source="files"}'), 0, 'exactly 3h: not yet');
    await settleAt(at('06:05'));
    text = (await call(daemon.url, 'GET', '/metrics', { token: tokens.viewer })).text;
    assert.equal(metric(text, 'stepvault_source_rpo_breach{source="files"}'), 1);
    assert.equal(metric(text, 'stepvault_workflow_failures_total{workflow="backup"}'), 3);
    fs.renameSync(path.join(dir, 'data-away'), path.join(dir, 'data'));
    await settleAt(at('07:00'));
    text = (await call(daemon.url, 'GET', '/metrics', { token: tokens.viewer })).text;
    assert.equal(metric(text, 'stepvault_source_rpo_breach{source="files"}'), 0);
    const kinds = hook.events.map((e) => e.kind).filter((k) => k.startsWith('rpo.') || k === 'backup.failed');
    assert.deepEqual(kinds, [
      'backup.failed',
      'backup.failed',
      'backup.failed',
      'rpo.breached',
      'rpo.recovered',
    ]);
    assert.equal(smtp.messages.filter((m) => /Subject: .*rpo breached/i.test(m.raw)).length, 1);
    made.docs.push(await newestOf('docs'));
  });

  it('serves plans, sources, executions with history, repositories and snapshots', async () => {
    const plans = await request('GET', '/api/v1/plans', '/api/v1/plans?next=2', tokens.viewer);
    const docs = (
      plans.json as {
        plans: { name: string; rules: { lastRun: { status: string }; nextRuns: string[] }[] }[];
      }
    ).plans.find((p) => p.name === 'docs')!;
    assert.equal(docs.rules[0]!.lastRun.status, 'SUCCEEDED');
    assert.deepEqual(
      docs.rules[0]!.nextRuns,
      [at('08:00'), at('09:00')].map((t) => new Date(t).toISOString()),
    );
    await request('GET', '/api/v1/plans/{plan}', '/api/v1/plans/wiki', tokens.viewer);
    const sources = await request('GET', '/api/v1/sources', '/api/v1/sources', tokens.viewer);
    assert.deepEqual(
      (sources.json as { sources: { name: string; type: string }[] }).sources.map((s) => [s.name, s.type]),
      [
        ['files', 'files'],
        ['site', 'confluence'],
      ],
    );
    assert.doesNotMatch(sources.text, /SV_E2E|auth/, 'sources never show how they authenticate');
    await request('GET', '/api/v1/sources/{source}', '/api/v1/sources/site', tokens.viewer);
    const one = await request(
      'GET',
      '/api/v1/executions/{execution}',
      '/api/v1/executions/docs.hourly.20260310T070000Z',
      tokens.viewer,
    );
    assert.equal((one.json as { status: string }).status, 'SUCCEEDED');
    const history = await request(
      'GET',
      '/api/v1/executions/{execution}/history',
      '/api/v1/executions/docs.hourly.20260310T070000Z/history?maxResults=5',
      tokens.viewer,
    );
    const page = history.json as { events: { type: string; id: number }[]; nextToken?: string };
    assert.equal(page.events[0]!.type, 'ExecutionStarted');
    assert.equal(page.events.length, 5);
    assert.ok(page.nextToken);
    const rest = await request(
      'GET',
      '/api/v1/executions/{execution}/history',
      `/api/v1/executions/docs.hourly.20260310T070000Z/history?nextToken=${page.nextToken}&maxResults=1000`,
      tokens.viewer,
    );
    assert.equal((rest.json as { events: { type: string }[] }).events.at(-1)!.type, 'ExecutionSucceeded');
    await request('GET', '/api/v1/repositories', '/api/v1/repositories', tokens.viewer);
    const snaps = await request(
      'GET',
      '/api/v1/repositories/{repository}/snapshots',
      '/api/v1/repositories/primary/snapshots?plan=docs',
      tokens.viewer,
    );
    assert.deepEqual(
      (snaps.json as { snapshots: { id: string }[] }).snapshots.map((s) => s.id),
      (await snapshotsOf('primary')).filter((s) => s.tags.includes('plan:docs')).map((s) => s.id),
    );
    const me = await request('GET', '/api/v1/whoami', '/api/v1/whoami', tokens.operator);
    assert.deepEqual(me.json, { name: 'otto', role: 'operator' });
  });

  it('runs a plan now for an operator', async () => {
    const started = await request(
      'POST',
      '/api/v1/plans/{plan}/runs',
      '/api/v1/plans/wiki/runs',
      tokens.operator,
      {
        rule: 'hourly',
      },
    );
    assert.equal(started.status, 202);
    const name = (started.json as { execution: { name: string } }).execution.name;
    await daemon.settled();
    const done = await request(
      'GET',
      '/api/v1/executions/{execution}',
      `/api/v1/executions/${name}`,
      tokens.viewer,
    );
    assert.equal((done.json as { status: string }).status, 'SUCCEEDED');
  });

  it('restores into a new directory, and into the source after an admin approved it', async () => {
    const target = path.join(dir, 'restored');
    const latest = made.docs.at(-1)!;
    const asked = await request('POST', '/api/v1/restores', '/api/v1/restores', tokens.operator, {
      plan: 'docs',
      snapshot: latest.id.slice(0, 12),
      target: { kind: 'directory', path: target },
    });
    assert.equal(asked.status, 202);
    const restore = (asked.json as { restore: { id: string; status: string; snapshotId: string } }).restore;
    assert.equal(restore.status, 'running');
    assert.equal(restore.snapshotId, latest.id, 'pinned to the full snapshot ID');
    await daemon.settled();
    const done = await request(
      'GET',
      '/api/v1/restores/{restore}',
      `/api/v1/restores/${restore.id}`,
      tokens.viewer,
    );
    assert.equal((done.json as { status: string }).status, 'succeeded');
    const restoredDocs = path.join(target, dir, 'data', 'docs');
    for (const name of fs.readdirSync(path.join(dir, 'data', 'docs')))
      assert.deepEqual(
        fs.readFileSync(path.join(restoredDocs, name)),
        fs.readFileSync(path.join(dir, 'data', 'docs', name)),
      );

    // In place: a damaged file comes back, but only once an admin who did not ask approved.
    const readme = path.join(dir, 'data', 'docs', 'readme.txt');
    fs.writeFileSync(readme, 'encrypted by ransomware\n');
    const production = await request('POST', '/api/v1/restores', '/api/v1/restores', tokens.admin, {
      plan: 'docs',
      snapshot: 'latest',
      target: { kind: 'production' },
    });
    const pending = (production.json as { restore: { id: string; status: string } }).restore;
    assert.equal(pending.status, 'awaiting-approval');
    await daemon.settled();
    assert.equal(
      fs.readFileSync(readme, 'utf8'),
      'encrypted by ransomware\n',
      'nothing happens before approval',
    );
    const approvals = await request('GET', '/api/v1/approvals', '/api/v1/approvals', tokens.viewer);
    assert.deepEqual(
      (approvals.json as { approvals: { id: string; status: string }[] }).approvals.map((a) => [
        a.id,
        a.status,
      ]),
      [[pending.id, 'pending']],
    );
    const self = await request(
      'POST',
      '/api/v1/approvals/{approval}',
      `/api/v1/approvals/${pending.id}`,
      tokens.admin,
      {
        decision: 'approve',
      },
    );
    assert.equal(self.status, 409, 'the admin who asked cannot approve');
    const approved = await request(
      'POST',
      '/api/v1/approvals/{approval}',
      `/api/v1/approvals/${pending.id}`,
      tokens.admin2,
      { decision: 'approve', comment: 'checked with the team' },
    );
    assert.equal(approved.status, 200);
    await daemon.settled();
    const final = await request(
      'GET',
      '/api/v1/restores/{restore}',
      `/api/v1/restores/${pending.id}`,
      tokens.viewer,
    );
    assert.equal((final.json as { status: string }).status, 'succeeded');
    assert.equal(fs.readFileSync(readme, 'utf8'), 'version 1\n');
    assert.deepEqual(
      hook.events.filter((e) => e.kind.startsWith('restore.')).map((e) => e.kind),
      ['restore.succeeded', 'restore.requested', 'restore.succeeded'],
    );

    const audit = await auditRecords(dir);
    const actions = audit.map((r) => `${r.actor} ${r.action}`);
    for (const expected of [
      'scheduler backup.run',
      'token:otto backup.run',
      'token:otto restore.request',
      'token:ada restore.request',
      'token:ada api.refused',
      'token:abe restore.approve',
    ])
      assert.ok(actions.includes(expected), `the audit log has "${expected}"`);
  });

  it('restores a Confluence site in place', async () => {
    const want = sim.describe();
    sim.edits.editPages({ count: 3, seed: 99 });
    const page = [...sim.store.contents.values()].find(
      (c) => c.kind === 'page' && c.status === 'current' && c.parentId !== undefined,
    )!;
    sim.edits.trashPage(page.id);
    assert.notDeepEqual(sim.describe(), want);
    const asked = await request('POST', '/api/v1/restores', '/api/v1/restores', tokens.operator, {
      plan: 'wiki',
      snapshot: 'latest',
      target: { kind: 'production' },
    });
    const restore = (asked.json as { restore: { id: string; status: string } }).restore;
    assert.equal(restore.status, 'running', 'no approval needed: the wiki plan does not ask for one');
    await daemon.settled();
    const done = await request(
      'GET',
      '/api/v1/restores/{restore}',
      `/api/v1/restores/${restore.id}`,
      tokens.viewer,
    );
    assert.equal((done.json as { status: string }).status, 'succeeded', done.text);
    assert.deepEqual(sim.describe(), want, 'edited pages rolled back, the trashed one back in its place');
  });

  it('never shows a secret in logs, API replies, metrics or the audit log', async () => {
    const secrets = [PASSWORD, SMTP_PASSWORD, HOOK_KEY, sim.credentials.apiToken, ...Object.values(tokens)];
    const replies = [
      (await call(daemon.url, 'GET', '/metrics', { token: tokens.viewer })).text,
      ...(await Promise.all(
        api
          .operations()
          .filter((o) => o.method === 'GET' && !o.template.includes('{'))
          .map(async (o) => (await call(daemon.url, 'GET', o.template, { token: tokens.admin })).text),
      )),
    ];
    const places = {
      logs: JSON.stringify(logs),
      replies: replies.join('\n'),
      audit: fs.readFileSync(path.join(dir, 'state', 'audit.log'), 'utf8'),
    };
    for (const [where, text] of Object.entries(places))
      for (const secret of secrets) assert.ok(!text.includes(secret), `a secret appears in the ${where}`);
  });
});
