// The Lambda bundle of the short workflow tasks (scripts/build-lambda.ts), built and loaded from its own directory
// as Lambda loads it, its handler invoked as Lambda invokes it — (event, context) — over a stepvault.yaml: notify
// reaches a webhook, pick-snapshot reads the repository, a failure is thrown with the task's error name (what
// Step Functions' Retry and Catch see), and a task that does not belong on Lambda is refused.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildLambda } from '../scripts/build-lambda.ts';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { FAST_KDF } from './support/small-repository.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

describe('the Lambda bundle', () => {
  let dir: string;
  let hook: WebhookReceiver;
  let handler: Handler;
  let savedConfig: string | undefined;

  const context = (functionName: string, remainingMs = 60_000) => ({
    functionName,
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    getRemainingTimeInMillis: () => remainingMs,
  });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-lambda-'));
    hook = await startWebhookReceiver();
    fs.writeFileSync(path.join(dir, 'password'), 'lambda test password\n');
    await Repository.init(new LocalBackend(path.join(dir, 'main')), 'lambda test password', {
      kdf: FAST_KDF,
    });
    fs.mkdirSync(path.join(dir, 'data'));
    const config = path.join(dir, 'stepvault.yaml');
    fs.writeFileSync(
      config,
      `version: 1
repositories:
  main: { location: ${path.join(dir, 'main')}, password: { file: ${path.join(dir, 'password')} } }
sources:
  data: { type: files, paths: [${path.join(dir, 'data')}] }
  gone: { type: files, paths: [${path.join(dir, 'gone')}] }
notifications:
  hook: { type: webhook, url: ${hook.url}, events: ['*'] }
`,
    );
    savedConfig = process.env.STEPVAULT_CONFIG;
    process.env.STEPVAULT_CONFIG = config;
    const { bundle } = await buildLambda(path.join(dir, 'function'));
    // the bundle stands alone: nothing of the source tree is needed to load it
    handler = ((await import(pathToFileURL(bundle).href)) as { handler: Handler }).handler;
  });
  after(async () => {
    if (savedConfig === undefined) delete process.env.STEPVAULT_CONFIG;
    else process.env.STEPVAULT_CONFIG = savedConfig;
    await hook.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs notify and pick-snapshot, named by the function', async () => {
    const sent = (await handler(
      { kind: 'backup.succeeded', plan: 'docs', rule: 'nightly', message: 'from Lambda' },
      context('stepvault-notify'),
    )) as { kind: string; delivered: string[] };
    assert.deepEqual(sent, { kind: 'backup.succeeded', delivered: ['hook'], failed: [] });
    assert.equal(hook.events.at(-1)?.message, 'from Lambda');
    // the repository has no snapshot yet: the task reads it and says so, under its error name
    await assert.rejects(
      handler({ plan: 'docs', rule: 'nightly', repository: 'main' }, context('stepvault-pick-snapshot')),
      (e: Error) => e.name.startsWith('Stepvault.') && /snapshot/i.test(e.message),
    );
  });

  it('throws failures under the task error names, and refuses tasks that are not for Lambda', async () => {
    await assert.rejects(
      handler({ plan: 'docs', rule: 'nightly' }, context('stepvault-pick-snapshot')),
      (e: Error) => e.name === 'Stepvault.Usage' && /repository/.test(e.message),
    );
    for (const task of ['backup', 'preflight']) {
      await assert.rejects(
        handler({}, context(`stepvault-${task}`)),
        (e: Error) => e.name === 'Stepvault.Usage' && /stepvault worker/.test(e.message),
        task,
      );
    }
    // a deployment that names functions its own way says which task through STEPVAULT_TASK
    process.env.STEPVAULT_TASK = 'notify';
    try {
      const sent = (await handler(
        { kind: 'backup.failed', plan: 'docs' },
        context('Stack-NotifyFn-1AB2'),
      )) as {
        kind: string;
      };
      assert.equal(sent.kind, 'backup.failed');
    } finally {
      delete process.env.STEPVAULT_TASK;
    }
  });
});
