import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseSchedule } from '../../domain/schedule.ts';
import {
  type ActiveRun,
  type Decision,
  planTick,
  type ScheduledRule,
  type SchedulerView,
} from './scheduler-core.ts';

const H = 3_600_000;
const M = 60_000;
const T0 = Date.parse('2026-03-10T00:00:00Z');

function rule(key: string, overrides: Partial<ScheduledRule> = {}): ScheduledRule {
  const [plan = key, name = 'r'] = key.split('/');
  return {
    key,
    plan,
    rule: name,
    schedule: parseSchedule('0 * * * *'),
    startWindowMs: H / 2,
    completionWindowMs: 3 * H,
    repositories: ['main'],
    ...overrides,
  };
}

function view(partial: Partial<SchedulerView> & { now: number }): SchedulerView {
  return { rules: [], lastHandled: new Map(), running: [], maxRunsPerRepository: 1, ...partial };
}

const kinds = (ds: Decision[]) => ds.map((d) => `${d.kind}:${d.key}`);

describe('planTick', () => {
  it('only remembers a rule it sees for the first time, and wakes at its next scheduled time', () => {
    const plan = planTick(view({ now: T0 + 10 * M, rules: [rule('a/r')] }));
    assert.deepEqual(plan.decisions, [{ kind: 'remember', key: 'a/r', at: T0 + 10 * M }]);
    assert.equal(plan.wakeAt, T0 + H);
  });

  it('starts a run at its scheduled time and not again once handled', () => {
    const first = planTick(
      view({ now: T0 + H, rules: [rule('a/r')], lastHandled: new Map([['a/r', T0 + 10 * M]]) }),
    );
    assert.deepEqual(first.decisions, [{ kind: 'start', key: 'a/r', due: T0 + H }]);
    const again = planTick(
      view({ now: T0 + H + M, rules: [rule('a/r')], lastHandled: new Map([['a/r', T0 + H]]) }),
    );
    assert.deepEqual(again.decisions, []);
    assert.equal(again.wakeAt, T0 + 2 * H);
  });

  it('after a pause catches up the latest run inside its start window once, and skips the others', () => {
    // Down from 00:10 to 05:20: 01:00..04:00 are outside the 30 min window, 05:00 is inside.
    const plan = planTick(
      view({ now: T0 + 5 * H + 20 * M, rules: [rule('a/r')], lastHandled: new Map([['a/r', T0 + 10 * M]]) }),
    );
    assert.deepEqual(plan.decisions, [
      { kind: 'skip', key: 'a/r', reason: 'missed', due: T0 + H, runs: 4, through: T0 + 4 * H },
      { kind: 'start', key: 'a/r', due: T0 + 5 * H },
    ]);
  });

  it('a pause longer than the window only misses; runs inside one window beyond the latest are superseded', () => {
    const wide = rule('a/r', { startWindowMs: 3 * H });
    const plan = planTick(
      view({ now: T0 + 3 * H + 5 * M, rules: [wide], lastHandled: new Map([['a/r', T0 - M]]) }),
    );
    assert.deepEqual(plan.decisions, [
      { kind: 'skip', key: 'a/r', reason: 'missed', due: T0, runs: 1, through: T0 },
      { kind: 'skip', key: 'a/r', reason: 'superseded', due: T0 + H, runs: 2, through: T0 + 2 * H },
      { kind: 'start', key: 'a/r', due: T0 + 3 * H },
    ]);
  });

  it('a due run waits while its rule runs, and is missed when its window closes first', () => {
    const running: ActiveRun[] = [
      { key: 'a/r', executionArn: 'x', startedAt: T0 + 50 * M, repositories: ['main'] },
    ];
    const base = { rules: [rule('a/r')], lastHandled: new Map([['a/r', T0]]), running };
    const waiting = planTick(view({ now: T0 + H, ...base }));
    assert.deepEqual(waiting.decisions, []);
    assert.deepEqual(waiting.waiting, [
      { key: 'a/r', due: T0 + H, because: 'rule-running', until: T0 + H + 30 * M },
    ]);
    assert.equal(waiting.wakeAt, T0 + H + 30 * M + 1);
    const expired = planTick(view({ now: T0 + H + 30 * M + 1, ...base }));
    assert.deepEqual(expired.decisions, [
      { kind: 'skip', key: 'a/r', reason: 'missed', due: T0 + H, runs: 1, through: T0 + H },
    ]);
    const freed = planTick(view({ now: T0 + H + 20 * M, ...base, running: [] }));
    assert.deepEqual(freed.decisions, [{ kind: 'start', key: 'a/r', due: T0 + H }]);
  });

  it('limits runs per repository, serving the oldest scheduled time first', () => {
    const rules = [
      rule('b/r', { repositories: ['main', 'copy'] }),
      rule('a/r', { schedule: parseSchedule('45 * * * *'), repositories: ['main'] }),
      rule('c/r', { repositories: ['other'] }),
    ];
    const lastHandled = new Map([
      ['a/r', T0],
      ['b/r', T0],
      ['c/r', T0],
    ]);
    const plan = planTick(view({ now: T0 + H + 5 * M, rules, lastHandled }));
    // a/r was due at 00:45 (older than b/r's 01:00): it takes "main"; b/r waits; c/r uses another repository.
    assert.deepEqual(kinds(plan.decisions), ['start:a/r', 'start:c/r']);
    assert.deepEqual(
      plan.waiting.map((w) => [w.key, w.because]),
      [['b/r', 'repository-busy']],
    );
    const two = planTick(view({ now: T0 + H + 5 * M, rules, lastHandled, maxRunsPerRepository: 2 }));
    assert.deepEqual(kinds(two.decisions), ['start:a/r', 'start:b/r', 'start:c/r']);
  });

  it('stops a run at the end of its completion window and wakes for the next deadline', () => {
    const running: ActiveRun[] = [
      { key: 'a/r', executionArn: 'old', startedAt: T0, repositories: ['main'] },
      { key: 'b/r', executionArn: 'young', startedAt: T0 + 2 * H, repositories: ['x'] },
      { key: 'gone/r', executionArn: 'unknown-rule', startedAt: 0, repositories: ['y'] },
    ];
    const rules = [rule('a/r'), rule('b/r')];
    const lastHandled = new Map([
      ['a/r', T0 + 3 * H],
      ['b/r', T0 + 3 * H],
    ]);
    const plan = planTick(view({ now: T0 + 3 * H, rules, lastHandled, running }));
    assert.deepEqual(plan.decisions, [
      { kind: 'stop', key: 'a/r', executionArn: 'old', deadline: T0 + 3 * H },
    ]);
    assert.equal(plan.wakeAt, T0 + 4 * H);
  });

  it('property: over any sequence of ticks a scheduled time is started or skipped at most once, and every one is accounted for', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        fc.integer({ min: 1, max: 180 }),
        (steps, busy, windowMinutes) => {
          const r = rule('a/r', {
            schedule: parseSchedule('*/15 * * * *'),
            startWindowMs: windowMinutes * M,
          });
          const lastHandled = new Map<string, number>();
          const accounted: number[] = [];
          let now = T0 + 7 * M;
          for (const [i, step] of steps.entries()) {
            const running: ActiveRun[] = busy[i]
              ? [{ key: 'a/r', executionArn: 'e', startedAt: now, repositories: ['main'] }]
              : [];
            const plan = planTick(view({ now, rules: [r], lastHandled, running }));
            for (const d of plan.decisions) {
              if (d.kind === 'remember') lastHandled.set(d.key, d.at);
              if (d.kind === 'start') {
                assert.ok(!busy[i], 'never starts while the rule runs');
                assert.ok(now - d.due <= r.startWindowMs, 'starts only inside the start window');
                accounted.push(d.due);
                lastHandled.set(d.key, d.due);
              }
              if (d.kind === 'skip') {
                const times = r.schedule.runsBetween(new Date(d.due - 1), new Date(d.through), 1e6);
                assert.equal(times.length, d.runs);
                accounted.push(...times.map((t) => t.getTime()));
                lastHandled.set(d.key, d.through);
              }
            }
            now += step * M;
          }
          const sorted = [...accounted].sort((a, b) => a - b);
          assert.deepEqual(accounted, sorted, 'in order');
          assert.equal(new Set(accounted).size, accounted.length, 'none twice');
          const expected = r.schedule
            .runsBetween(new Date(T0 + 7 * M), new Date(accounted.at(-1) ?? T0 + 7 * M), 1e6)
            .map((d) => d.getTime());
          assert.deepEqual(accounted, expected, 'no scheduled time is lost between the first and the last');
        },
      ),
      { numRuns: 60 },
    );
  });
});
