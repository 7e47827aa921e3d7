import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isStepvaultError } from '../../common/errors.ts';
import { Secret } from '../../common/secret.ts';
import { SecretResolver } from '../../config/secrets/secret-resolver.ts';
import type { NotificationEvent } from '../../domain/notification-event.ts';
import { NotificationRouter } from '../notification-router.ts';
import { WebhookNotifier } from './webhook-notifier.ts';

const CANARY = 'canary-3e8f-webhook-token';
const URL_CANARY = 'T000-B000-canaryurlpath';

interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback that records requests and answers as scripted per path. */
async function startReceiver() {
  const received: Received[] = [];
  const answers: { status: number; body?: string; headers?: Record<string, string> }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const answer = answers.shift() ?? { status: 200, body: 'ok' };
      // A hostile or careless receiver echoes what it got, credentials included.
      const echoed = (answer.body ?? '').replace('$AUTH', String(req.headers.authorization ?? ''));
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(echoed);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new Error(`the webhook receiver could not listen on loopback: ${e.message}`)),
    );
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const event: NotificationEvent = {
  kind: 'backup.failed',
  time: '2025-01-01T03:00:05.000Z',
  plan: 'wiki-nightly',
  rule: 'daily',
  source: 'wiki',
  error: { code: 'io', message: 'page <42> & more' },
  summary: { pagesChanged: 12 },
  cliHint: 'stepvault workflow history backup-1',
};

describe('webhook notifications', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.answers.length = 0;
  });

  it('POST the event as JSON with the credential header, and the credential nowhere else', async () => {
    const hook = new WebhookNotifier({
      url: `${receiver.url}/hooks/stepvault`,
      format: 'json',
      headers: { Authorization: new Secret(`Bearer ${CANARY}`), 'X-Team': 'ops' },
    });
    await hook.send(event);
    const [got] = receiver.received;
    assert.equal(got!.method, 'POST');
    assert.equal(got!.path, '/hooks/stepvault');
    assert.equal(got!.headers.authorization, `Bearer ${CANARY}`);
    assert.equal(got!.headers['x-team'], 'ops');
    assert.equal(got!.headers['content-type'], 'application/json');
    assert.equal(got!.headers['x-stepvault-event'], 'backup.failed');
    assert.match(String(got!.headers['x-stepvault-delivery']), /^[0-9a-f]{32}$/);
    const body = JSON.parse(got!.body);
    assert.deepEqual(
      [body.type, body.version, body.severity, body.title],
      ['stepvault.notification', 1, 'error', 'backup failed: wiki-nightly/daily'],
    );
    assert.deepEqual(body.event, event);
    assert.ok(!got!.body.includes(CANARY));
  });

  it('POST a Slack-compatible message when asked, escaped', async () => {
    const slackUrl = `${receiver.url}/services/${URL_CANARY}`;
    const hook = new WebhookNotifier({ url: new Secret(slackUrl), format: 'slack' });
    await hook.send(event);
    const body = JSON.parse(receiver.received[0]!.body);
    assert.match(
      body.text,
      /^:rotating_light: backup failed: wiki-nightly\/daily: page &lt;42&gt; &amp; more$/,
    );
    assert.deepEqual(
      body.blocks.map((b: { type: string }) => b.type),
      ['header', 'section', 'section', 'context'],
    );
    assert.equal(body.blocks[0].text.text, 'backup failed: wiki-nightly/daily');
    assert.ok(body.blocks[2].fields.some((f: { text: string }) => f.text === '*Plan*\nwiki-nightly'));
    assert.equal(body.blocks[3].elements[0].text, '`stepvault workflow history backup-1`');
  });

  it('report failures as retryable or not, without secret header values or a secret URL', async () => {
    const headers = { Authorization: new Secret(`Bearer ${CANARY}`) };
    const plain = new WebhookNotifier({ url: `${receiver.url}/x?token=abc`, format: 'json', headers });
    receiver.answers.push({ status: 500, body: 'upstream said: got $AUTH' });
    await assert.rejects(plain.send(event), (e) => {
      assert.ok(isStepvaultError(e, 'io') && e.retryable);
      assert.match(e.message, /\/x\?… answered HTTP 500: upstream said: got \[secret\]$/);
      assert.ok(!e.message.includes(CANARY) && !e.message.includes('abc'));
      return true;
    });
    receiver.answers.push({ status: 400, body: 'bad request' });
    await assert.rejects(plain.send(event), (e) => isStepvaultError(e, 'io') && !e.retryable);
    receiver.answers.push({ status: 429 });
    await assert.rejects(plain.send(event), (e) => isStepvaultError(e, 'io') && e.retryable);
    const secretUrl = new WebhookNotifier({
      url: new Secret(`${receiver.url}/services/${URL_CANARY}`),
      format: 'slack',
    });
    receiver.answers.push({ status: 404, body: `no such hook /services/${URL_CANARY}` });
    await assert.rejects(secretUrl.send(event), (e) => {
      assert.ok(isStepvaultError(e, 'io'));
      assert.match(e.message, /^the webhook \(its URL is a secret\) answered HTTP 404/);
      assert.ok(!e.message.includes(URL_CANARY) && !e.message.includes('/services/'));
      return true;
    });
  });

  it('do not follow redirects (they would carry the credentials elsewhere)', async () => {
    const hook = new WebhookNotifier({
      url: `${receiver.url}/moved`,
      format: 'json',
      headers: { Authorization: new Secret(`Bearer ${CANARY}`) },
    });
    receiver.answers.push({ status: 307, headers: { location: `${receiver.url}/elsewhere` } });
    await assert.rejects(
      hook.send(event),
      (e) => isStepvaultError(e, 'io') && /redirect \(HTTP 307\)/.test(e.message),
    );
    assert.deepEqual(
      receiver.received.map((r) => r.path),
      ['/moved'],
    );
  });

  it('fail retryably when nothing listens or the receiver is too slow', async () => {
    const closed = await startReceiver();
    await closed.close();
    const hook = new WebhookNotifier({ url: `${closed.url}/x`, format: 'json' });
    await assert.rejects(
      hook.send(event),
      (e) => isStepvaultError(e, 'io') && e.retryable && /ECONNREFUSED/.test(e.message),
    );
    const hanging = http.createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const slow = new WebhookNotifier({
      url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`,
      format: 'json',
      timeoutMs: 200,
    });
    await assert.rejects(
      slow.send(event),
      (e) => isStepvaultError(e, 'io') && e.retryable && /timed out/.test(e.message),
    );
    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
  });

  it('are built from the configuration with secrets resolved, and retried by the router', async () => {
    const resolver = new SecretResolver({
      baseDir: '/',
      env: { HOOK_URL: `${receiver.url}/cfg`, HOOK_TOKEN: CANARY },
    });
    const hook = await WebhookNotifier.fromConfig(
      {
        type: 'webhook',
        url: { env: 'HOOK_URL' },
        format: 'json',
        headers: { 'X-Api-Key': { env: 'HOOK_TOKEN' }, 'X-Plain': 'yes' },
        events: ['*'],
      },
      (ref) => resolver.resolve(ref),
    );
    receiver.answers.push({ status: 503 }, { status: 200 });
    const router = new NotificationRouter([{ name: 'hook', events: ['backup.*'], notifier: hook }], {
      random: () => 0,
    });
    const results = await router.dispatch(event);
    assert.deepEqual(results, [{ target: 'hook', ok: true, attempts: 2 }]);
    assert.deepEqual(
      receiver.received.map((r) => [r.path, r.headers['x-api-key'], r.headers['x-plain']]),
      [
        ['/cfg', CANARY, 'yes'],
        ['/cfg', CANARY, 'yes'],
      ],
    );
    assert.equal(
      receiver.received[0]!.headers['x-stepvault-delivery'],
      receiver.received[1]!.headers['x-stepvault-delivery'],
    );
  });
});
