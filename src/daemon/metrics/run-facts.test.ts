import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../common/clock.ts';
import { WorkflowEngine } from '../../workflows/engine/engine.ts';
import { RunFacts } from './run-facts.ts';

const PASS = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
const WAIT = JSON.stringify({ StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 60, End: true } } });

describe('RunFacts', () => {
  it('sees new executions, and running ones as they end, without reading the whole store again', async () => {
    const clock = new ManualClock(Date.parse('2026-03-10T00:00:00Z'));
    const engine = new WorkflowEngine({ store: ':memory:', clock, schemaValidation: false });
    try {
      const facts = new RunFacts(engine);
      assert.deepEqual(facts.all(), []);
      for (let i = 0; i < 100; i++)
        await engine.run(PASS, { plan: 'p', rule: `r${i}` }, { stateMachineName: 'stepvault-backup' });
      const waiting = await engine.startExecution(
        WAIT,
        { plan: 'q' },
        { stateMachineName: 'stepvault-restore-test' },
      );
      const first = facts.all();
      assert.equal(first.length, 101);
      assert.deepEqual(
        first.slice(0, 2).map((f) => [f.workflow, f.status, f.plan, f.rule]),
        [
          ['restore-test', 'RUNNING', 'q', null],
          ['backup', 'SUCCEEDED', 'p', 'r99'],
        ],
      );
      while (engine.describeExecution(waiting).status === 'RUNNING') {
        clock.advance(60_000);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await engine.run(PASS, { plan: 'p', rule: 'late' }, { stateMachineName: 'stepvault-backup' });
      const second = facts.all();
      assert.equal(second.length, 102);
      assert.equal(second[0]!.rule, 'late');
      assert.equal(second[1]!.status, 'SUCCEEDED', 'the waiting execution ended');
    } finally {
      await engine.close();
    }
  });
});
