import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isStepvaultError } from '../../common/errors.ts';
import type { NotificationEvent } from '../../domain/notification-event.ts';
import { NotificationRouter } from '../notification-router.ts';
import { SnsNotifier } from './sns-notifier.ts';

const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:stepvault';
const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/**
 * A loopback endpoint speaking the SNS Query protocol (form-encoded requests, XML answers), enough for the
 * real SDK's Publish; it records each call's parameters and answers as scripted.
 */
async function startFakeSns() {
  const published: { params: URLSearchParams; authorization: string }[] = [];
  const failures: { status: number; code: string; type: 'Sender' | 'Receiver' }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const params = new URLSearchParams(body);
      published.push({ params, authorization: String(req.headers.authorization ?? '') });
      const failure = failures.shift();
      res.setHeader('content-type', 'text/xml');
      if (failure) {
        res.writeHead(failure.status);
        res.end(
          `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${failure.type}</Type><Code>${failure.code}</Code><Message>scripted ${failure.code}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
        );
        return;
      }
      res.writeHead(200);
      res.end(
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>m-${published.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r-${published.length}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new Error(`the fake SNS endpoint could not listen on loopback: ${e.message}`)),
    );
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    published,
    failures,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const event: NotificationEvent = {
  kind: 'rpo.breached',
  time: '2025-01-02T06:00:00.000Z',
  source: 'wiki',
  plan: 'wiki-nightly',
  summary: { lastGoodBackupAgeHours: 27 },
  message: 'wiki has no good backup for 27 hours (RPO 26h) — ünïcode',
};

describe('SNS notifications', () => {
  let sns: Awaited<ReturnType<typeof startFakeSns>>;
  before(async () => {
    sns = await startFakeSns();
  });
  after(() => sns.close());
  beforeEach(() => {
    sns.published.length = 0;
    sns.failures.length = 0;
  });

  const notifier = (topicArn = TOPIC) =>
    SnsNotifier.fromConfig(
      { type: 'sns', topicArn, region: 'eu-central-1', endpoint: sns.url, events: ['*'] },
      { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret-key' } },
    );

  it('publish the event through the real SDK: text for people, JSON for machines, kind as an attribute', async () => {
    const topic = notifier();
    await topic.send(event);
    await topic.close();
    const [{ params, authorization }] = sns.published as [{ params: URLSearchParams; authorization: string }];
    assert.equal(params.get('Action'), 'Publish');
    assert.equal(params.get('TopicArn'), TOPIC);
    assert.equal(params.get('Subject'), '[stepvault] rpo breached: wiki-nightly');
    assert.equal(params.get('MessageStructure'), 'json');
    const message = JSON.parse(params.get('Message')!);
    assert.match(
      message.default,
      /^wiki has no good backup for 27 hours \(RPO 26h\) — ünïcode\n\nPlan: wiki-nightly\n/,
    );
    assert.equal(message.email, message.default);
    assert.deepEqual(JSON.parse(message.sqs), {
      type: 'stepvault.notification',
      version: 1,
      severity: 'error',
      event,
    });
    const attributes: Record<string, string> = {};
    for (let i = 1; params.has(`MessageAttributes.entry.${i}.Name`); i++) {
      attributes[params.get(`MessageAttributes.entry.${i}.Name`)!] = params.get(
        `MessageAttributes.entry.${i}.Value.StringValue`,
      )!;
    }
    assert.deepEqual(attributes, { event: 'rpo.breached', severity: 'error' });
    assert.equal(params.get('MessageGroupId'), null);
    assert.match(authorization, /Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/sns\/aws4_request/);
  });

  it('set a group and deduplication ID on FIFO topics, and keep subjects to 100 ASCII characters', async () => {
    const topic = notifier(`${TOPIC}.fifo`);
    await topic.send({ kind: 'backup.succeeded', time: 't', plan: `p${'x'.repeat(150)}é` });
    await topic.close();
    const params = sns.published[0]!.params;
    assert.equal(params.get('MessageGroupId'), 'stepvault');
    assert.match(params.get('MessageDeduplicationId')!, /^[0-9a-f]{32}$/);
    const subject = params.get('Subject')!;
    assert.equal(subject.length, 100);
    assert.match(subject, /^[\x20-\x7e]+\.\.\.$/);
  });

  it('report a missing topic as permanent and a server error as transient; the router retries the latter', async () => {
    const topic = notifier();
    sns.failures.push({ status: 404, code: 'NotFound', type: 'Sender' });
    await assert.rejects(
      topic.send(event),
      (e) =>
        isStepvaultError(e, 'io') &&
        !e.retryable &&
        /cannot publish to .*stepvault: NotFound/.test(e.message),
    );
    sns.failures.push({ status: 500, code: 'InternalError', type: 'Receiver' });
    await assert.rejects(topic.send(event), (e) => isStepvaultError(e, 'io') && e.retryable);
    sns.failures.push({ status: 500, code: 'InternalError', type: 'Receiver' });
    const router = new NotificationRouter([{ name: 'topic', events: ['rpo.*'], notifier: topic }], {
      random: () => 0,
    });
    assert.deepEqual(await router.dispatch(event), [{ target: 'topic', ok: true, attempts: 2 }]);
    await router.close();
  });
});
