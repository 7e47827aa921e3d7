// The daemon's API under attack, with `stepvault serve` as a process: every documented route (and routes that
// do not exist) answers 401 without a token or with an unknown one, 403 to a token without the role; a viewer
// can neither run a plan nor restore; hostile bodies (oversized — also streamed without a length —, nested
// deeply, of the wrong types, with unknown or __proto__ fields, not JSON, not UTF-8) and hostile queries get
// 4xx and change nothing. Then real work runs with canary secrets (repository password, Confluence token,
// webhook header, SMTP password, API tokens) that must never appear in the daemon's logs, in any API reply, in
// /metrics or in the audit log.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { Repository } from '../src/repository/repository.ts';
import { listSnapshots } from '../src/repository/snapshot/snapshot-store.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { simSourceYaml } from './support/confluence-sim-source.ts';
import {
  apiTokens,
  auditRecords,
  call,
  eventually,
  openApiValidator,
  type ServeProcess,
  type SmtpReceiver,
  spawnServe,
  startSmtpReceiver,
} from './support/daemon-harness.ts';
import { FAST_KDF } from './support/small-repository.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

const CANARY = {
  password: 'CANARY-repository-password-5f1e0c',
  hookKey: 'CANARY-webhook-header-9b7d21',
  smtp: 'CANARY-smtp-password-3a8c44',
};

/** A concrete path for a route template (parameters filled with well-formed values). */
function concrete(template: string): string {
  return template
    .replace('{plan}', 'docs')
    .replace('{source}', 'files')
    .replace('{repository}', 'primary')
    .replace('{execution}', 'docs.hourly.20260101T000000Z')
    .replace('{restore}', '0123456789ab')
    .replace('{approval}', '0123456789ab');
}

function nested(depth: number): string {
  return `{"rule":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

describe('daemon API security', () => {
  let dir: string;
  let sim: ConfluenceSim;
  let hook: WebhookReceiver;
  let smtp: SmtpReceiver;
  let serve: ServeProcess;
  let url: string;
  let api: ReturnType<typeof openApiValidator>;
  const { tokens, yaml: tokenYaml } = apiTokens('security');
  const replies: string[] = [];

  const get = async (p: string, token?: string) => {
    const reply = await call(url, 'GET', p, token === undefined ? {} : { token });
    replies.push(reply.text);
    return reply;
  };
  const state = async () => {
    const executions = (await get('/api/v1/executions?limit=1000', tokens.admin)).json as {
      executions: unknown[];
    };
    const restores = (await get('/api/v1/restores', tokens.admin)).json as { restores: unknown[] };
    const repo = await Repository.open(new LocalBackend(path.join(dir, 'primary')), CANARY.password);
    return {
      executions: executions.executions.length,
      restores: restores.restores.length,
      snapshots: (await listSnapshots(repo)).snapshots.length,
      restoredDirs: fs.existsSync(path.join(dir, 'restored')),
      config: fs.readFileSync(path.join(dir, 'stepvault.yaml'), 'utf8'),
    };
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-daemon-security-'));
    sim = await startConfluenceSim({});
    sim.generate({ seed: 3, spaces: 1, pages: 8, attachments: 1, blogPosts: 1, treeItems: 0 });
    hook = await startWebhookReceiver();
    smtp = await startSmtpReceiver(CANARY.smtp);
    await Repository.init(new LocalBackend(path.join(dir, 'primary')), CANARY.password, { kdf: FAST_KDF });
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'file.txt'), 'content\n');
    fs.writeFileSync(path.join(dir, 'repository-password'), `${CANARY.password}\n`);
    fs.writeFileSync(
      path.join(dir, 'stepvault.yaml'),
      `version: 1
repositories:
  primary: { location: ./primary, password: { file: ./repository-password } }
sources:
  files: { type: files, paths: [./data] }
  site:
${simSourceYaml(sim, '{ env: SV_SECURITY_CONFLUENCE }')}
plans:
  docs:
    source: files
    repository: primary
    rules:
      - { name: yearly, schedule: "0 3 1 1 *", rpo: 400d }
  wiki:
    source: site
    repository: primary
    rules:
      - { name: yearly, schedule: "0 4 1 1 *" }
notifications:
  hook:
    type: webhook
    url: ${hook.url}
    headers: { X-Api-Key: { env: SV_SECURITY_HOOK } }
    events: ['*']
  mail:
    type: smtp
    host: 127.0.0.1
    port: ${smtp.port}
    auth: { user: stepvault, pass: { env: SV_SECURITY_SMTP } }
    from: stepvault@example.com
    to: [ops@example.com]
    events: ['*']
server:
  listen: 127.0.0.1:0
  stateDir: ./state
  tokens:
${tokenYaml}
`,
    );
    serve = spawnServe(dir, ['--config', 'stepvault.yaml', '--grace', '5s'], {
      SV_SECURITY_CONFLUENCE: sim.credentials.apiToken,
      SV_SECURITY_HOOK: CANARY.hookKey,
      SV_SECURITY_SMTP: CANARY.smtp,
    });
    url = await serve.url;
    const doc = await get('/api/v1/openapi.json', tokens.viewer);
    api = openApiValidator(doc.json as Record<string, unknown>);
  });

  after(async () => {
    if (serve && serve.child.exitCode === null) serve.child.kill('SIGKILL');
    await sim?.close();
    await hook?.close();
    await smtp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 on every route without a known token, except the health check', async () => {
    const operations = api.operations();
    assert.ok(operations.length >= 20, 'every route is documented');
    const wrong = [undefined, 'not-a-token-anyone-has', `${tokens.admin}x`, tokens.admin.slice(0, -1), ''];
    for (const { method, template, role } of operations) {
      for (const token of wrong) {
        const reply = await call(url, method, concrete(template), {
          ...(token !== undefined ? { token } : {}),
          ...(method === 'POST' ? { body: {} } : {}),
        });
        if (role === 'none') assert.equal(reply.status, 200, `${method} ${template} is open`);
        else {
          assert.equal(
            reply.status,
            401,
            `${method} ${template} with ${token === undefined ? 'no token' : 'a wrong token'}`,
          );
          assert.equal(reply.headers.get('www-authenticate'), 'Bearer realm="stepvault"');
          api.check(method, template, reply);
        }
      }
    }
    for (const header of [
      `Basic ${Buffer.from(`x:${tokens.admin}`).toString('base64')}`,
      `bearer  ${tokens.admin}`,
      tokens.admin,
    ]) {
      const res = await fetch(`${url}/api/v1/plans`, { headers: { authorization: header } });
      assert.equal(res.status, 401, `Authorization: ${header.slice(0, 12)}…`);
    }
    assert.equal((await call(url, 'GET', '/api/v1/no-such-thing')).status, 401, 'unknown routes too');
    assert.equal((await call(url, 'DELETE', '/api/v1/plans')).status, 401);
    assert.equal((await call(url, 'GET', '/api/v1/no-such-thing', { token: tokens.viewer })).status, 404);
  });

  it('answers 403 to a token without the role; a viewer can neither run nor restore', async () => {
    const rank = { viewer: 0, operator: 1, admin: 2 } as const;
    for (const { method, template, role } of api.operations()) {
      if (role === 'none' || role === 'viewer') continue;
      for (const who of ['viewer', 'operator'] as const) {
        if (rank[who] >= rank[role as keyof typeof rank]) continue;
        const reply = await call(url, method, concrete(template), { token: tokens[who], body: {} });
        assert.equal(reply.status, 403, `${who} on ${method} ${template}`);
        api.check(method, template, reply);
      }
    }
    const run = await call(url, 'POST', '/api/v1/plans/docs/runs', { token: tokens.viewer, body: {} });
    assert.equal(run.status, 403);
    const restore = await call(url, 'POST', '/api/v1/restores', {
      token: tokens.viewer,
      body: { plan: 'docs', snapshot: 'latest', target: { kind: 'production' } },
    });
    assert.equal(restore.status, 403);
  });

  it('refuses hostile bodies and queries with 4xx and changes nothing', async () => {
    const before = await state();
    const oversized = JSON.stringify({ rule: 'x'.repeat(70 * 1024) });
    const cases: { path: string; body: string | Uint8Array; type?: string; status: number; what: string }[] =
      [];
    for (const route of [
      '/api/v1/plans/docs/runs',
      '/api/v1/restores',
      '/api/v1/approvals/0123456789ab',
      '/api/v1/config/reload',
    ]) {
      cases.push(
        { path: route, body: oversized, status: 413, what: 'a body over 64 KiB' },
        { path: route, body: nested(10_000), status: 400, what: 'nesting 10,000 deep' },
        { path: route, body: nested(9), status: 400, what: 'nesting 9 deep' },
        { path: route, body: '{"rule": ', status: 400, what: 'not JSON' },
        {
          path: route,
          body: Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
          status: 400,
          what: 'not UTF-8',
        },
        { path: route, body: '{"rule":"x"}', type: 'text/plain', status: 415, what: 'not declared JSON' },
        { path: route, body: '{"__proto__":{"admin":true}}', status: 400, what: 'a __proto__ key' },
        {
          path: route,
          body: '{"constructor":{"prototype":{"admin":true}}}',
          status: 400,
          what: 'a constructor key',
        },
        { path: route, body: '[]', status: 400, what: 'an array' },
        { path: route, body: '"text"', status: 400, what: 'a string' },
        { path: route, body: 'null', status: 400, what: 'null' },
      );
    }
    cases.push(
      { path: '/api/v1/plans/docs/runs', body: '{"rule":5}', status: 400, what: 'a number for a name' },
      {
        path: '/api/v1/plans/docs/runs',
        body: '{"workflow":"rm -rf"}',
        status: 400,
        what: 'an unknown workflow',
      },
      {
        path: '/api/v1/plans/docs/runs',
        body: '{"rule":"yearly","extra":1}',
        status: 400,
        what: 'an unknown field',
      },
      {
        path: '/api/v1/plans/docs/runs',
        body: '{"rule":"../../etc"}',
        status: 400,
        what: 'a path for a name',
      },
      { path: '/api/v1/plans/nope/runs', body: '{}', status: 404, what: 'an unknown plan' },
      { path: '/api/v1/plans/docs/runs', body: '{"rule":"nope"}', status: 404, what: 'an unknown rule' },
      {
        path: '/api/v1/restores',
        body: JSON.stringify({ plan: 1, snapshot: true, target: 'production' }),
        status: 400,
        what: 'wrong types',
      },
      {
        path: '/api/v1/restores',
        body: JSON.stringify({
          plan: 'docs',
          snapshot: 'latest',
          target: { kind: 'directory', path: 'relative/dir' },
        }),
        status: 400,
        what: 'a relative target',
      },
      {
        path: '/api/v1/restores',
        body: JSON.stringify({
          plan: 'docs',
          snapshot: 'latest',
          target: { kind: 'directory', path: `${dir}/../x/../restored` },
        }),
        status: 400,
        what: 'a target with ..',
      },
      {
        path: '/api/v1/restores',
        body: JSON.stringify({
          plan: 'docs',
          snapshot: 'latest',
          target: { kind: 'directory', path: path.join(dir, 'data', 'inside') },
        }),
        status: 400,
        what: 'a target inside the source',
      },
      {
        path: '/api/v1/restores',
        body: JSON.stringify({ plan: 'docs', snapshot: 'latest', target: { kind: 'directory', path: dir } }),
        status: 400,
        what: 'a target around the source',
      },
      {
        path: '/api/v1/restores',
        body: JSON.stringify({ plan: 'docs', snapshot: 'latest', target: { kind: 'production', path: '/' } }),
        status: 400,
        what: 'an extra field in the target',
      },
      {
        path: '/api/v1/restores',
        body: JSON.stringify({
          plan: 'docs',
          snapshot: 'latest',
          target: { kind: 'directory', path: path.join(dir, 'restored') },
        }),
        status: 404,
        what: 'no snapshot yet',
      },
      {
        path: '/api/v1/approvals/0123456789ab',
        body: '{"decision":"approve"}',
        status: 404,
        what: 'an unknown approval',
      },
      {
        path: '/api/v1/approvals/0123456789ab',
        body: '{"decision":"yes"}',
        status: 400,
        what: 'an unknown decision',
      },
    );
    for (const c of cases) {
      const token =
        c.path.includes('approvals') || c.path.includes('reload') ? tokens.admin : tokens.operator;
      const reply = await call(url, 'POST', c.path, {
        token,
        rawBody: c.body,
        ...(c.type ? { contentType: c.type } : {}),
      });
      replies.push(reply.text);
      assert.equal(reply.status, c.status, `${c.path} with ${c.what}: ${reply.text.slice(0, 200)}`);
      assert.ok((reply.json as { error?: { code?: string } }).error?.code, 'an error reply');
    }

    // A body without Content-Length, streamed past the limit.
    const chunk = new TextEncoder().encode(`{"rule":"${'y'.repeat(16 * 1024)}`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await fetch(`${url}/api/v1/plans/docs/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.operator}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);

    for (const [p, status] of [
      ['/api/v1/executions?limit=abc', 400],
      ['/api/v1/executions?limit=1&limit=2', 400],
      ['/api/v1/executions?limit=100000', 400],
      ['/api/v1/executions?status=DELETED', 400],
      ['/api/v1/executions?unknown=1', 400],
      ['/api/v1/executions?__proto__=x', 400],
      ['/api/v1/plans?next=-1', 400],
      ['/api/v1/executions/x/history?nextToken=%00', 400],
      ['/api/v1/plans/..%2F..%2Fetc%2Fpasswd', 400],
      ['/api/v1/restores/zzz', 400],
      ['/api/v1/repositories/nope/snapshots', 404],
    ] as const) {
      const reply = await get(p, tokens.admin);
      assert.equal(reply.status, status, `GET ${p}: ${reply.text.slice(0, 200)}`);
    }

    assert.deepEqual(await state(), before, 'nothing changed');
    const records = await auditRecords(dir);
    assert.deepEqual(
      [...new Set(records.map((r) => r.action))].sort(),
      ['api.refused', 'daemon.start'],
      'the audit log only gained refusals',
    );
    assert.ok(records.filter((r) => r.action === 'api.refused').every((r) => r.actor.startsWith('token:')));
  });

  it('does real work without a secret reaching logs, API replies, metrics or the audit log', async () => {
    for (const plan of ['docs', 'wiki']) {
      const started = await call(url, 'POST', `/api/v1/plans/${plan}/runs`, {
        token: tokens.operator,
        body: {},
      });
      assert.equal(started.status, 202, started.text);
      const name = (started.json as { execution: { name: string } }).execution.name;
      const done = await eventually(`the ${plan} run`, async () => {
        const d = (await get(`/api/v1/executions/${name}`, tokens.viewer)).json as {
          status: string;
          error?: string;
        };
        return d.status === 'RUNNING' ? undefined : d;
      });
      assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    }
    const restore = await call(url, 'POST', '/api/v1/restores', {
      token: tokens.operator,
      body: {
        plan: 'docs',
        snapshot: 'latest',
        target: { kind: 'directory', path: path.join(dir, 'restored') },
      },
    });
    assert.equal(restore.status, 202, restore.text);
    const id = (restore.json as { restore: { id: string } }).restore.id;
    await eventually('the restore', async () => {
      const r = (await get(`/api/v1/restores/${id}`, tokens.viewer)).json as { status: string };
      return r.status === 'running' ? undefined : r;
    });
    const reload = await call(url, 'POST', '/api/v1/config/reload', { token: tokens.admin });
    assert.equal(reload.status, 200, reload.text);
    assert.ok(
      hook.requests.length > 0 && hook.requests.every((r) => r.headers['x-api-key'] === CANARY.hookKey),
    );
    assert.ok(smtp.messages.length > 0, 'the SMTP login with the canary password worked');

    for (const { template } of api.operations().filter((o) => o.method === 'GET')) {
      for (const token of Object.values(tokens)) await get(concrete(template), token);
    }
    const executions = (await get('/api/v1/executions?limit=1000', tokens.admin)).json as {
      executions: { name: string }[];
    };
    for (const e of executions.executions) {
      await get(`/api/v1/executions/${e.name}`, tokens.admin);
      await get(`/api/v1/executions/${e.name}/history`, tokens.admin);
    }
    await get(`/api/v1/restores/${id}`, tokens.admin);
    const metrics = await get('/metrics', tokens.viewer);
    assert.match(
      metrics.text,
      /stepvault_backup_runs_total\{plan="docs",rule="yearly",status="SUCCEEDED"\} 1/,
    );

    serve.child.kill('SIGTERM');
    assert.equal((await serve.exit).code, 0);
    const secrets = [
      CANARY.password,
      CANARY.hookKey,
      CANARY.smtp,
      sim.credentials.apiToken,
      ...Object.values(tokens),
    ];
    const places: Record<string, string> = {
      'daemon output': serve.stdout() + serve.stderr(),
      'API replies': replies.join('\n'),
      'audit log': fs.readFileSync(path.join(dir, 'state', 'audit.log'), 'utf8'),
    };
    for (const [where, text] of Object.entries(places))
      for (const secret of secrets)
        assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 10)}…) is in the ${where}`);
    const actions = (await auditRecords(dir)).map((r) => `${r.actor} ${r.action}`);
    for (const expected of [
      'token:otto backup.run',
      'token:otto restore.request',
      'token:ada config.reload',
      'stepvault daemon.stop',
    ])
      assert.ok(actions.includes(expected), `the audit log has "${expected}"`);
  });
});
