import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourceSummary } from './metrics-summary.ts';
import { rpoTransitions } from './rpo-watch.ts';

const NOW = Date.parse('2026-03-10T06:00:00Z');

function source(name: string, breached: boolean | null, deadline: string | null): SourceSummary {
  return {
    name,
    type: 'files',
    plans: [`${name}-plan`],
    lastSuccess: '2026-03-10T03:00:00.000Z',
    lastDurationSeconds: 1,
    bytesAdded: 1,
    storedBytes: 1,
    dedupRatio: 1,
    rpoSeconds: breached === null ? null : 3 * 3600,
    rpoBreached: breached,
    rpoDeadline: deadline,
  };
}

describe('rpoTransitions', () => {
  it('records a fine first state silently and wakes at the earliest deadline', () => {
    const { transitions, wakeAt } = rpoTransitions(
      [
        source('a', false, '2026-03-10T08:00:00.000Z'),
        source('b', false, '2026-03-10T07:00:00.000Z'),
        source('c', null, null),
      ],
      new Map(),
      NOW,
    );
    assert.deepEqual(
      transitions.map((t) => [t.source, t.breached, t.event]),
      [
        ['a', false, undefined],
        ['b', false, undefined],
      ],
    );
    assert.equal(wakeAt, Date.parse('2026-03-10T07:00:00Z') + 1);
  });

  it('announces a breach once, and the recovery', () => {
    const breach = rpoTransitions([source('a', true, '2026-03-10T05:59:00.000Z')], new Map(), NOW);
    assert.equal(breach.transitions[0]!.event?.kind, 'rpo.breached');
    assert.equal(breach.transitions[0]!.event?.plan, 'a-plan');
    assert.equal(breach.wakeAt, undefined, 'nothing more to wait for while breached');
    const again = rpoTransitions(
      [source('a', true, '2026-03-10T05:59:00.000Z')],
      new Map([['a', { breached: true }]]),
      NOW,
    );
    assert.deepEqual(again.transitions, []);
    const recovered = rpoTransitions(
      [source('a', false, '2026-03-10T09:00:00.000Z')],
      new Map([['a', { breached: true }]]),
      NOW,
    );
    assert.equal(recovered.transitions[0]!.event?.kind, 'rpo.recovered');
  });
});
