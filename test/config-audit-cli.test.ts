// `stepvault config` and `stepvault audit` as users run them: exit codes, file:line:column diagnostics, the
// --json contract, configuration lookup, and secrets that never reach the output.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditLog } from '../src/catalog/audit-log.ts';
import { CliSandbox, only } from './support/cli.ts';

const CANARY = 'canary-0d6e-cli-secret';

describe('stepvault config and audit', () => {
  const sb = new CliSandbox('sv-config-cli-');
  const config = sb.path('stepvault.yaml');
  const stateDir = sb.path('state');
  const text = `version: 1
repositories:
  main: { location: ./repo, password: { env: SV_REPO_PASSWORD } }
sources:
  docs: { type: files, paths: [./data] }
plans:
  docs-nightly:
    source: docs
    repository: main
    rules:
      - { name: nightly, schedule: "cron(30 2 * * ? *)", timezone: Europe/Berlin, retention: { keepDaily: 7 } }
server:
  stateDir: ./state
`;
  before(async () => {
    fs.writeFileSync(config, text);
    const log = await AuditLog.open(path.join(stateDir, 'audit.log'));
    for (const target of ['plan:docs-nightly/nightly', 'plan:docs-nightly/nightly', 'repository:main']) {
      await log.append({ actor: 'scheduler', action: 'backup.run', target, details: { password: CANARY } });
    }
    await log.append({ actor: 'token:ops', action: 'restore.request', target: 'plan:docs-nightly' });
    await log.close();
  });
  after(() => sb.cleanup());

  it('config validate accepts a valid file and shows the next runs', () => {
    const r = sb.ok(['config', 'validate', '--config', config]);
    assert.match(r.stdout, /stepvault\.yaml: valid \(1 repository, 1 source, 1 plan, 0 notifications\)/);
    assert.match(r.stdout, /docs-nightly\/nightly +cron\(30 2 \* \* \? \*\) +Europe\/Berlin/);
    const json = sb.ok(['config', 'validate', '--json'], 0, { STEPVAULT_CONFIG: config });
    const [validation] = only(json.messages, 'validation');
    assert.equal(validation!.result, 'OK');
    const [run] = validation!.next_runs as { plan: string; rule: string; next: string }[];
    assert.deepEqual([run!.plan, run!.rule], ['docs-nightly', 'nightly']);
    assert.match(run!.next, /T0[01]:30:00\.000Z$/); // 02:30 in Berlin
  });

  it('config validate names every problem with file:line:column and exits 2, never echoing a secret', () => {
    const bad = sb.path('bad.yaml');
    fs.writeFileSync(
      bad,
      text.replace('{ env: SV_REPO_PASSWORD }', CANARY).replace('keepDaily: 7', 'keepDaly: 7'),
    );
    const r = sb.ok(['config', 'validate', '--config', bad], 2);
    assert.match(
      r.stdout,
      new RegExp(`${bad}:3:39: repositories\\.main\\.password: secrets are given by reference`),
    );
    assert.match(
      r.stdout,
      /bad\.yaml:11:96: plans\.docs-nightly\.rules\[0\]\.retention: unknown key "keepDaly" \(did you mean "keepDaily"\?\)/,
    );
    assert.match(r.stdout, /bad\.yaml: invalid \(2 problems\)/);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(CANARY));
    const json = sb.ok(['config', 'validate', '--config', bad, '--json'], 2);
    assert.deepEqual(
      only(json.messages, 'diagnostic').map((d) => [d.line, d.column, d.path]),
      [
        [3, 39, 'repositories.main.password'],
        [11, 96, 'plans.docs-nightly.rules[0].retention'],
      ],
    );
  });

  it('config validate --check-secrets resolves references without printing them', () => {
    const missing = sb.ok(['config', 'validate', '--config', config, '--check-secrets'], 1);
    assert.match(
      missing.stdout,
      /secret repositories\.main\.password \(environment variable SV_REPO_PASSWORD\): .*not set/,
    );
    const ok = sb.ok(['config', 'validate', '--config', config, '--check-secrets', '--json'], 0, {
      SV_REPO_PASSWORD: CANARY,
    });
    assert.deepEqual(only(ok.messages, 'secret'), [
      {
        message_type: 'secret',
        path: 'repositories.main.password',
        source: 'environment variable SV_REPO_PASSWORD',
        ok: true,
      },
    ]);
    assert.ok(!`${ok.stdout}${ok.stderr}`.includes(CANARY));
  });

  it('without a configuration file, says how to give one', () => {
    const r = sb.ok(['config', 'validate'], 2);
    assert.match(r.stderr, /no configuration file/);
    assert.match(r.stderr, /--config FILE or STEPVAULT_CONFIG/);
  });

  it('config schema prints the published JSON Schema', () => {
    const r = sb.ok(['config', 'schema']);
    const published = JSON.parse(
      fs.readFileSync(path.join(import.meta.dirname, '..', 'docs', 'stepvault.schema.json'), 'utf8'),
    );
    assert.deepEqual(JSON.parse(r.stdout), published);
  });

  it('audit verify checks the log in server.stateDir and names the first bad line', () => {
    const file = path.join(stateDir, 'audit.log');
    const r = sb.ok(['audit', 'verify', '--config', config]);
    assert.match(r.stdout, /audit\.log: 4 records, chain intact \(head 4:[0-9a-f]{64}\)/);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const original = lines.join('\n');
    lines.splice(1, 1);
    fs.writeFileSync(file, lines.join('\n'));
    const bad = sb.ok(['audit', 'verify', '--file', file, '--json'], 1);
    const [verdict] = only(bad.messages, 'audit_verification');
    assert.deepEqual([verdict!.ok, verdict!.line, verdict!.records], [false, 2, 1]);
    assert.match(String(verdict!.problem), /removed/);
    assert.match(
      sb.ok(['audit', 'verify', '--file', file], 1).stdout,
      /audit\.log:2: seq 3 where 2 was expected/,
    );
    fs.writeFileSync(file, original);
  });

  it('audit log lists records, filtered, with credentials never recorded', () => {
    const r = sb.ok(['audit', 'log', '--config', config, '--json']);
    const records = only(r.messages, 'audit_record');
    assert.equal(records.length, 4);
    assert.deepEqual(records[0]!.details, { password: '[redacted]' });
    assert.ok(!r.stdout.includes(CANARY));
    const filtered = sb.ok([
      'audit',
      'log',
      '--config',
      config,
      '--action',
      'backup.run',
      '--limit',
      '2',
      '--json',
    ]);
    assert.deepEqual(
      only(filtered.messages, 'audit_record').map((x) => x.seq),
      [2, 3],
    );
    assert.match(
      sb.ok(['audit', 'log', '--config', config, '--actor', 'token:ops']).stdout,
      /restore\.request +plan:docs-nightly[\s\S]*1 records/,
    );
  });
});
