import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../../devtools/confluence-sim/simulator.ts';
import { simSourceYaml } from '../../test/support/confluence-sim-source.ts';
import { FAST_KDF } from '../../test/support/small-repository.ts';
import { systemClock } from '../common/clock.ts';
import { loadConfig } from '../config/load-config.ts';
import { SecretResolver } from '../config/secrets/secret-resolver.ts';
import type { ConfluenceSourceConfig } from '../config/sources-schema.ts';
import { Repository } from '../repository/repository.ts';
import { LocalBackend } from '../storage/local/local-backend.ts';
import { ConfigEnvironment, confluenceClientOptions } from './config-environment.ts';

const PASSWORD = 'config environment test';

describe('ConfigEnvironment: Confluence backups', () => {
  let dir: string;
  let sim: ConfluenceSim;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-config-env-'));
    sim = await startConfluenceSim({});
    sim.generate({ seed: 5, spaces: 1, pages: 5, attachments: 0, blogPosts: 0, treeItems: 0 });
    fs.writeFileSync(path.join(dir, 'password'), PASSWORD);
    fs.writeFileSync(path.join(dir, 'token'), sim.credentials.apiToken);
    await Repository.init(new LocalBackend(path.join(dir, 'repo')), PASSWORD, { kdf: FAST_KDF });
  });

  after(async () => {
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function environment(extra: string): ConfigEnvironment {
    fs.writeFileSync(
      path.join(dir, 'stepvault.yaml'),
      `version: 1
repositories:
  repo: { location: ./repo, password: { file: ./password } }
sources:
  wiki:
${simSourceYaml(sim, '{ file: ./token }')}
${extra}
plans:
  wiki:
    source: wiki
    repository: repo
    rules:
      - name: nightly
        schedule: cron(0 2 * * ? *)
        retention: { keepLast: 1 }
server:
  stateDir: ./state
`,
    );
    return new ConfigEnvironment(loadConfig(path.join(dir, 'stepvault.yaml')), {
      notify: async () => [] as never,
    });
  }

  async function backUp(env: ConfigEnvironment) {
    const spec = env.source('wiki');
    assert.equal(spec.type, 'confluence');
    if (spec.type !== 'confluence') return;
    const repo = await env.openRepository('repo');
    return spec.backup(
      { tags: [] },
      { repo, clock: systemClock, signal: new AbortController().signal, onProgress: () => {} },
    );
  }

  it('an admin key enabled for the backup is disabled again when it ends', async () => {
    const env = environment('    adminKey: true');
    const outcome = await backUp(env);
    assert.ok(outcome?.snapshotId);
    assert.equal(sim.store.adminKeys.size, 0, 'the admin key is still enabled after the backup');
  });

  it('also when the backup fails', async () => {
    const env = environment('    adminKey: true\n    spaces: [NOSUCHSPACE]');
    await assert.rejects(backUp(env));
    assert.equal(sim.store.adminKeys.size, 0, 'the admin key is still enabled after a failed backup');
  });
});

describe('confluenceClientOptions', () => {
  const config = {
    type: 'confluence',
    site: 'https://acme.atlassian.net',
    auth: { bearer: { env: 'SV_TEST_CONFLUENCE_BEARER' } },
    spaces: 'all',
    includeArchived: false,
    history: 'latest',
    attachments: { versions: 'latest' },
    metadataSweep: '24h',
    adminKey: false,
    maxWait: '2h',
    mediaHosts: ['media.example.com'],
  } as unknown as ConfluenceSourceConfig;

  it('configured media hosts come in addition to Confluence’s own; maxWait becomes the ceiling of waits', async () => {
    process.env.SV_TEST_CONFLUENCE_BEARER = 'a bearer token';
    try {
      const options = await confluenceClientOptions(config, new SecretResolver({ baseDir: '/' }));
      assert.deepEqual([...(options.mediaHosts ?? [])].sort(), [
        'api.media.atlassian.com',
        'media.example.com',
      ]);
      assert.equal(options.retry?.maxWaitMs, 2 * 3_600_000, 'maxWait is the longest wait sat out');
    } finally {
      delete process.env.SV_TEST_CONFLUENCE_BEARER;
    }
  });
});
