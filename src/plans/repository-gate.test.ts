import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RepositoryGate } from './repository-gate.ts';

/** A task that records when it runs and finishes when told to. */
function task(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    run: async () => {
      log.push(`${name}+`);
      await done;
      log.push(`${name}-`);
    },
    finish: () => finish(),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('repository gate', () => {
  it('lets shared users in together and an exclusive one alone, first come first served', async () => {
    const gate = new RepositoryGate();
    const log: string[] = [];
    const copy = task(log, 'copy');
    const forget = task(log, 'forget');
    const check = task(log, 'check');
    const running = [
      gate.with(['main', 'offsite'], false, copy.run),
      gate.with(['main'], true, forget.run),
      gate.with(['main'], false, check.run),
    ];
    await tick();
    assert.deepEqual(log, ['copy+'], 'forget waits for the copy; the check waits behind the forget');
    copy.finish();
    await tick();
    assert.deepEqual(log, ['copy+', 'copy-', 'forget+']);
    forget.finish();
    await tick();
    check.finish();
    await Promise.all(running);
    assert.deepEqual(log, ['copy+', 'copy-', 'forget+', 'forget-', 'check+', 'check-']);
  });

  it('does not hold up users of other repositories', async () => {
    const gate = new RepositoryGate();
    const log: string[] = [];
    const prune = task(log, 'prune');
    const other = task(log, 'other');
    const a = gate.with(['main'], true, prune.run);
    const b = gate.with(['offsite'], true, other.run);
    await tick();
    assert.deepEqual(log.sort(), ['other+', 'prune+']);
    prune.finish();
    other.finish();
    await Promise.all([a, b]);
  });

  it('drops a waiter whose signal aborts, and releases on errors', async () => {
    const gate = new RepositoryGate();
    const log: string[] = [];
    const holder = task(log, 'holder');
    const held = gate.with(['main'], true, holder.run);
    const ac = new AbortController();
    const waiting = gate.with(['main'], false, async () => log.push('never'), ac.signal);
    ac.abort(new Error('stopped'));
    await assert.rejects(waiting, /stopped/);
    holder.finish();
    await held;
    await assert.rejects(
      gate.with(['main'], true, async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await gate.with(['main'], true, async () => 'free again'), 'free again');
    assert.ok(!log.includes('never'));
  });
});
