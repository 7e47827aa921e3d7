import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { isStepvaultError } from '../../common/errors.ts';
import { Secret } from '../../common/secret.ts';
import { SecretResolver } from '../../config/secrets/secret-resolver.ts';
import type { NotificationEvent } from '../../domain/notification-event.ts';
import { NotificationRouter } from '../notification-router.ts';
import { SmtpNotifier } from './smtp-notifier.ts';

const CANARY = 'canary-57c0-smtp-password';

interface Delivered {
  from: string | undefined;
  to: string[];
  raw: string;
  user: string | undefined;
}

/** A real SMTP receiver (smtp-server) on loopback that requires a login and keeps every message. */
async function startSmtp(options: { rejectData?: () => { code: number; message: string } | undefined } = {}) {
  const delivered: Delivered[] = [];
  const logins: { user: string; pass: string }[] = [];
  const config: SMTPServerOptions = {
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ user: auth.username ?? '', pass: auth.password ?? '' });
      if (auth.username === 'stepvault' && auth.password === CANARY)
        return callback(null, { user: auth.username });
      // A careless server that echoes the password it refused.
      return callback(new Error(`invalid password ${auth.password}`));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const rejection = options.rejectData?.();
        if (rejection) {
          return callback(Object.assign(new Error(rejection.message), { responseCode: rejection.code }));
        }
        delivered.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string | undefined,
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(config);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new Error(`the SMTP receiver could not listen on loopback: ${e.message}`)),
    );
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    delivered,
    logins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const event: NotificationEvent = {
  kind: 'restore-test.failed',
  time: '2025-01-01T04:10:00.000Z',
  plan: 'wiki-nightly',
  rule: 'daily',
  source: 'wiki',
  snapshotId: 'ab12cd34',
  error: { code: 'corrupt', message: 'page 42 differs' },
  cliHint: 'stepvault workflow history restore-test-7',
};

describe('SMTP notifications', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let failNext: { code: number; message: string } | undefined;
  before(async () => {
    smtp = await startSmtp({
      rejectData: () => {
        const f = failNext;
        failNext = undefined;
        return f;
      },
    });
  });
  after(() => smtp.close());
  beforeEach(() => {
    smtp.delivered.length = 0;
    smtp.logins.length = 0;
  });

  const notifier = (pass = CANARY) =>
    new SmtpNotifier({
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      auth: { user: 'stepvault', pass: new Secret(pass) },
      from: 'stepvault@example.test',
      to: ['ops@example.test', 'oncall@example.test'],
      timeoutMs: 5000,
    });

  it('deliver a message with the right subject and body, logged in with the password', async () => {
    const mail = notifier();
    await mail.send(event);
    await mail.close();
    assert.equal(smtp.delivered.length, 1);
    const [message] = smtp.delivered as [Delivered];
    assert.equal(message.from, 'stepvault@example.test');
    assert.deepEqual(message.to, ['ops@example.test', 'oncall@example.test']);
    assert.equal(message.user, 'stepvault');
    assert.deepEqual(smtp.logins, [{ user: 'stepvault', pass: CANARY }]);
    assert.match(message.raw, /^Subject: \[stepvault\] ALERT: restore test failed: wiki-nightly\/daily\r$/m);
    assert.match(message.raw, /^X-Stepvault-Event: restore-test\.failed\r$/m);
    assert.match(message.raw, /Content-Type: text\/plain/);
    assert.match(message.raw, /Content-Type: text\/html/);
    assert.match(message.raw, /^Plan: wiki-nightly\r$/m);
    assert.match(message.raw, /^Snapshot: ab12cd34\r$/m);
    assert.match(message.raw, /^Error: corrupt: page 42 differs\r$/m);
    const html = message.raw
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    assert.match(html, /<th align="left">Plan<\/th><td>wiki-nightly<\/td>/);
    assert.ok(!message.raw.includes(CANARY), 'the password must not be in the message');
  });

  it('report a refused login as permanent, without the password the server echoed', async () => {
    const wrong = `${CANARY}-wrong`;
    const mail = notifier(wrong);
    await assert.rejects(mail.send(event), (e) => {
      assert.ok(isStepvaultError(e, 'io') && !e.retryable);
      assert.match(e.message, /cannot send e-mail through 127\.0\.0\.1:\d+: .*invalid password \[secret\]/);
      assert.ok(!e.message.includes(CANARY));
      return true;
    });
    await mail.close();
    assert.equal(smtp.delivered.length, 0);
  });

  it('retry a temporary refusal through the router', async () => {
    failNext = { code: 451, message: 'try again later' };
    const router = new NotificationRouter([{ name: 'mail', events: ['*.failed'], notifier: notifier() }], {
      random: () => 0,
    });
    const results = await router.dispatch(event);
    await router.close();
    assert.deepEqual(results, [{ target: 'mail', ok: true, attempts: 2 }]);
    assert.equal(smtp.delivered.length, 1);
  });

  it('are built from the configuration with the password resolved', async () => {
    const resolver = new SecretResolver({ baseDir: '/', env: { SMTP_PASS: CANARY } });
    const mail = await SmtpNotifier.fromConfig(
      {
        type: 'smtp',
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        auth: { user: 'stepvault', pass: { env: 'SMTP_PASS' } },
        from: 'stepvault@example.test',
        to: ['ops@example.test'],
        events: ['*'],
      },
      (ref) => resolver.resolve(ref),
    );
    assert.equal(`${mail.secrets[0]}`, '[secret]');
    await mail.send({
      kind: 'notification.test',
      time: '2025-01-01T00:00:00.000Z',
      message: 'hello from stepvault',
    });
    await mail.close();
    assert.match(smtp.delivered[0]!.raw, /^Subject: \[stepvault\] notification test\r$/m);
    assert.match(smtp.delivered[0]!.raw, /^hello from stepvault\r$/m);
  });
});
