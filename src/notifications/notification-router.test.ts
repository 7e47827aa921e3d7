import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock } from '../common/clock.ts';
import { StepvaultError } from '../common/errors.ts';
import { Secret } from '../common/secret.ts';
import type { NotificationEvent } from '../domain/notification-event.ts';
import { NotificationRouter, type NotificationTarget } from './notification-router.ts';
import type { Notifier } from './notifier.ts';
import { deliveryId, renderEvent } from './render-event.ts';

const CANARY = 'canary-91aa-router-secret';

/** A channel that keeps what it was sent and fails as scripted (one entry per attempt; undefined = success). */
class ScriptedNotifier implements Notifier {
  readonly kind = 'scripted';
  readonly secrets = [new Secret(CANARY)];
  readonly sent: NotificationEvent[] = [];
  #script: (Error | undefined)[];

  constructor(script: (Error | undefined)[] = []) {
    this.#script = [...script];
  }

  async send(event: NotificationEvent): Promise<void> {
    const failure = this.#script.shift();
    if (failure) throw failure;
    this.sent.push(event);
  }
}

/** A clock whose sleeps return at once and are recorded. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(Date.UTC(2025, 0, 1)),
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
    },
  };
}

const event: NotificationEvent = {
  kind: 'backup.failed',
  time: '2025-01-01T03:00:05.000Z',
  plan: 'wiki-nightly',
  rule: 'daily',
  source: 'wiki',
  repository: 'main',
  error: { code: 'io', message: 'the site answered 503' },
  summary: { pagesChanged: 12, bytesAdded: 4096 },
  cliHint: 'stepvault workflow history backup-wiki-nightly-1',
};

const target = (name: string, events: string[], notifier: Notifier): NotificationTarget => ({
  name,
  events,
  notifier,
});
const transient = () => new StepvaultError('io', 'HTTP 503', { retryable: true });

describe('notification router', () => {
  it('sends an event to every channel whose patterns match it', async () => {
    const [a, b, c, d] = [0, 1, 2, 3].map(() => new ScriptedNotifier());
    const router = new NotificationRouter([
      target('all', ['*'], a!),
      target('failures', ['*.failed'], b!),
      target('backups', ['backup.*'], c!),
      target('rpo', ['rpo.breached', 'verify.failed'], d!),
    ]);
    assert.deepEqual(router.targetsFor('backup.failed'), ['all', 'failures', 'backups']);
    const results = await router.dispatch(event);
    assert.deepEqual(
      results.map((r) => [r.target, r.ok, r.attempts]),
      [
        ['all', true, 1],
        ['failures', true, 1],
        ['backups', true, 1],
      ],
    );
    assert.deepEqual(d!.sent, []);
    assert.deepEqual(a!.sent, [event]);
  });

  it('retries transient failures with capped, jittered exponential backoff', async () => {
    const clock = recordingClock();
    const flaky = new ScriptedNotifier([transient(), transient(), transient()]);
    const router = new NotificationRouter([target('hook', ['*'], flaky)], {
      clock,
      random: () => 0.5,
      retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 3000 },
    });
    const [result] = await router.dispatch(event);
    assert.deepEqual(result, { target: 'hook', ok: true, attempts: 4 });
    assert.deepEqual(clock.sleeps, [500, 1000, 1500]);
  });

  it('gives up after the last attempt, or at once on a permanent failure, and never throws', async () => {
    const clock = recordingClock();
    const down = new ScriptedNotifier(Array.from({ length: 10 }, transient));
    const refused = new ScriptedNotifier([new StepvaultError('io', 'HTTP 404', { retryable: false })]);
    const broken = new ScriptedNotifier([new TypeError('fetch failed'), new TypeError('fetch failed')]);
    const router = new NotificationRouter(
      [target('down', ['*'], down), target('refused', ['*'], refused), target('broken', ['*'], broken)],
      { clock, random: () => 0, retry: { maxAttempts: 3 } },
    );
    const results = await router.dispatch(event);
    assert.deepEqual(
      results.map((r) => [r.target, r.ok, r.attempts, r.error?.code]),
      [
        ['down', false, 3, 'io'],
        ['refused', false, 1, 'io'],
        ['broken', true, 3, undefined],
      ],
    );
    assert.equal(results[0]!.error?.message, 'scripted: HTTP 503');
  });

  it('scrubs the channel secrets from errors', async () => {
    const echo = new ScriptedNotifier([new StepvaultError('io', `server said: bad token ${CANARY}`)]);
    const [result] = await new NotificationRouter([target('echo', ['*'], echo)]).dispatch(event);
    assert.ok(!JSON.stringify(result).includes(CANARY));
    assert.match(result!.error!.message, /bad token \[secret\]/);
  });

  it('stops retrying when aborted', async () => {
    const controller = new AbortController();
    const clock: Clock = {
      now: () => new Date(0),
      sleep: async () => {
        controller.abort();
        throw new Error('aborted');
      },
    };
    const down = new ScriptedNotifier(Array.from({ length: 10 }, transient));
    const [result] = await new NotificationRouter([target('down', ['*'], down)], { clock }).dispatch(
      event,
      controller.signal,
    );
    assert.deepEqual([result!.ok, result!.attempts, result!.error?.code], [false, 1, 'interrupted']);
  });
});

describe('rendered events', () => {
  it('read as a title, a message and labelled facts, with HTML escaped', () => {
    const r = renderEvent({
      ...event,
      error: { message: '<script>alert(1)</script>' },
      link: 'javascript:alert(1)',
    });
    assert.equal(r.severity, 'error');
    assert.equal(r.title, 'backup failed: wiki-nightly/daily');
    assert.match(r.text, /^backup failed: wiki-nightly\/daily: <script>/);
    assert.match(
      r.text,
      /\nPlan: wiki-nightly\nRule: daily\nSource: wiki\nRepository: main\nPages changed: 12\nBytes added: 4096\n/,
    );
    assert.ok(!r.html.includes('<script>'));
    assert.ok(!r.html.includes('href="javascript:'));
    assert.equal(
      renderEvent({ kind: 'rpo.breached', time: 't', source: 'wiki' }).title,
      'rpo breached: wiki',
    );
    assert.equal(
      renderEvent({ kind: 'restore-test.succeeded', time: 't', plan: 'p' }).title,
      'restore test succeeded: p',
    );
  });

  it('have a delivery ID that is stable for the same event', () => {
    assert.equal(deliveryId(event), deliveryId({ ...event }));
    assert.notEqual(deliveryId(event), deliveryId({ ...event, time: '2025-01-02T03:00:05.000Z' }));
  });
});
