import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DaemonState } from './daemon-state.ts';

describe('DaemonState', () => {
  it('moves a rule forward only, logs decisions and sums what did not run', () => {
    const state = new DaemonState(':memory:');
    try {
      state.rememberRule('a/r', 1000);
      state.rememberRule('a/r', 5000);
      assert.deepEqual([...state.lastScheduled()], [['a/r', 1000]], 'remembering twice keeps the first');
      state.record(
        { time: 2000, ruleKey: 'a/r', due: 1500, outcome: 'started', runs: 1, execution: 'x', detail: null },
        1500,
      );
      state.record(
        { time: 3000, ruleKey: 'a/r', due: 1200, outcome: 'missed', runs: 3, execution: null, detail: null },
        1400,
      );
      assert.equal(state.lastScheduled().get('a/r'), 1500, 'never moves back');
      state.record(
        { time: 4000, ruleKey: 'b/r', due: 3500, outcome: 'missed', runs: 2, execution: null, detail: null },
        3500,
      );
      state.record(
        { time: 4000, ruleKey: 'a/r', due: 3600, outcome: 'missed', runs: 1, execution: null, detail: null },
        3600,
      );
      assert.equal(state.firstSeen().get('b/r'), 4000, 'a rule first met in a record');
      assert.deepEqual(state.scheduleCounts(), [
        { ruleKey: 'a/r', outcome: 'missed', runs: 4 },
        { ruleKey: 'b/r', outcome: 'missed', runs: 2 },
      ]);
      assert.deepEqual(
        state.scheduleLog('a/r').map((e) => e.outcome),
        ['started', 'missed', 'missed'],
      );
    } finally {
      state.close();
    }
  });

  it('keeps restore requests newest first and RPO states', () => {
    const state = new DaemonState(':memory:');
    try {
      state.putRestore('one', { id: 'one', n: 1 });
      state.putRestore('two', { id: 'two', n: 2 });
      state.putRestore('one', { id: 'one', n: 3 });
      assert.deepEqual(state.listRestores(), [
        { id: 'two', n: 2 },
        { id: 'one', n: 3 },
      ]);
      assert.equal(state.getRestore('nope'), undefined);
      state.setRpoState('files', true, 10);
      state.setRpoState('files', false, 20);
      assert.deepEqual([...state.rpoStates()], [['files', { breached: false, since: 20 }]]);
    } finally {
      state.close();
    }
  });
});
