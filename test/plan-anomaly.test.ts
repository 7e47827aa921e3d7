// The anomaly guard end to end: a plan backs up a Confluence site (the simulator, on loopback) with thresholds
// on deleted pages; after a mass deletion the next run tags its snapshot `anomaly`, protects the last good one
// from retention (keepLast 1 would otherwise remove it), and a webhook receiver on loopback gets
// `anomaly.detected`; `stepvault tag --remove protected` then releases it. Runs go through runPlan on the durable
// engine with a manual clock.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { ManualClock } from '../src/common/clock.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { ConfigEnvironment, planSettings } from '../src/plans/config-environment.ts';
import { createPlanEngine, runPlan } from '../src/plans/run-plan.ts';
import { Repository } from '../src/repository/repository.ts';
import { listSnapshots } from '../src/repository/snapshot/snapshot-store.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { MAIN } from './support/cli.ts';
import { simSourceYaml } from './support/confluence-sim-source.ts';
import { FAST_KDF } from './support/small-repository.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

const PASSWORD = 'anomaly test password';

describe('anomaly guard on a Confluence plan', () => {
  let dir: string;
  let sim: ConfluenceSim;
  let hook: WebhookReceiver;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-plan-anomaly-'));
    sim = await startConfluenceSim({});
    sim.generate({ seed: 21, spaces: 1, pages: 40, attachments: 4, blogPosts: 2, treeItems: 0 });
    hook = await startWebhookReceiver();
    fs.writeFileSync(path.join(dir, 'password'), PASSWORD);
    fs.writeFileSync(path.join(dir, 'confluence-token'), sim.credentials.apiToken);
    await Repository.init(new LocalBackend(path.join(dir, 'repo')), PASSWORD, { kdf: FAST_KDF });
    fs.writeFileSync(
      path.join(dir, 'stepvault.yaml'),
      `version: 1
repositories:
  repo: { location: ./repo, password: { file: ./password } }
sources:
  wiki:
${simSourceYaml(sim, '{ file: ./confluence-token }')}
    anomaly: { maxDeletedPages: 20% }
plans:
  wiki:
    source: wiki
    repository: repo
    rules:
      - name: nightly
        schedule: cron(0 2 * * ? *)
        retention: { keepLast: 1 }
notifications:
  hook:
    type: webhook
    url: ${hook.url}
    events: [anomaly.detected, backup.failed]
server:
  stateDir: ./state
`,
    );
  });
  after(async () => {
    await sim?.close();
    await hook?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tags the suspect snapshot, keeps the last good one and alerts', async () => {
    const loaded = loadConfig(path.join(dir, 'stepvault.yaml'));
    const clock = new ManualClock(Date.parse('2026-04-01T02:00:00Z'));
    const environment = new ConfigEnvironment(loaded, { clock });
    const engine = createPlanEngine({ store: path.join(dir, 'state', 'workflows.db'), environment });
    const plan = planSettings(loaded, 'wiki');
    const repo = await Repository.open(new LocalBackend(path.join(dir, 'repo')), PASSWORD);
    const run = async () => {
      clock.advance(86_400_000);
      const result = await runPlan(engine, { plan });
      assert.equal(result.status, 'SUCCEEDED', `${result.error}: ${result.cause}`);
      return result.output as { snapshotId: string; anomaly: boolean };
    };
    try {
      const first = await run();
      assert.equal(first.anomaly, false, 'a first backup has nothing to compare with');
      sim.edits.editPages({ count: 2, seed: 3 });
      const normal = await run();
      assert.equal(normal.anomaly, false, 'two edited pages are no anomaly');
      assert.deepEqual(
        (await listSnapshots(repo)).snapshots.map((s) => s.id),
        [normal.snapshotId],
        'keepLast 1: the first snapshot is gone',
      );

      const pages = [...sim.store.contents.values()].filter(
        (c) => c.kind === 'page' && c.status === 'current',
      );
      const doomed = pages.filter((p) => p.parentId !== undefined).slice(0, Math.ceil(pages.length / 2));
      for (const page of doomed) sim.edits.trashPage(page.id);
      const suspect = await run();
      assert.equal(suspect.anomaly, true);

      const snapshots = (await listSnapshots(repo)).snapshots;
      assert.equal(snapshots.length, 2, 'the protected snapshot survived keepLast 1');
      const tagged = snapshots.find((s) => s.id === suspect.snapshotId)!;
      assert.ok(tagged.tags.includes('anomaly'));
      const kept = snapshots.find((s) => s.id !== suspect.snapshotId)!;
      assert.equal(kept.original, normal.snapshotId, 'the last good snapshot, rewritten with its new tag');
      assert.ok(kept.tags.includes('protected'));

      assert.deepEqual(
        hook.events.map((e) => e.kind),
        ['anomaly.detected'],
      );
      assert.equal(hook.events[0]!.snapshotId, suspect.snapshotId);
      assert.match(hook.events[0]!.message ?? '', new RegExp(`${doomed.length} pages deleted`));

      // Someone looked at it: releasing the protection lets retention apply again.
      const released = spawnSync(
        process.execPath,
        [MAIN, 'tag', '--remove', 'protected', kept.id.slice(0, 12), '--json'],
        {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            STEPVAULT_REPOSITORY: path.join(dir, 'repo'),
            STEPVAULT_PASSWORD_FILE: path.join(dir, 'password'),
          },
        },
      );
      assert.equal(released.status, 0, released.stderr);
      assert.match(released.stdout, /"message_type":"snapshot_tagged"/);
      const after = await run();
      assert.equal(after.anomaly, false, 'no further deletions');
      assert.deepEqual(
        (await listSnapshots(repo)).snapshots.map((s) => s.id),
        [after.snapshotId],
      );
    } finally {
      await engine.close();
      await environment.close();
    }
  });
});
