import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUsefulEventPattern, matchesEventPattern, severityOf } from './notification-event.ts';

describe('notification event patterns', () => {
  it('match exact kinds, segment wildcards and everything', () => {
    assert.ok(matchesEventPattern('backup.failed', 'backup.failed'));
    assert.ok(matchesEventPattern('backup.*', 'backup.partial'));
    assert.ok(matchesEventPattern('*.failed', 'restore-test.failed'));
    assert.ok(matchesEventPattern('*', 'rpo.breached'));
    assert.ok(!matchesEventPattern('backup.*', 'copy.failed'));
    assert.ok(!matchesEventPattern('backup', 'backup.failed'));
    assert.ok(!matchesEventPattern('*.failed', 'backup.succeeded'));
  });

  it('know which patterns can never match', () => {
    assert.ok(isUsefulEventPattern('verify.*'));
    assert.ok(!isUsefulEventPattern('backup.failled'));
    assert.ok(!isUsefulEventPattern('*.*.*'));
  });

  it('rank failures above successes', () => {
    assert.equal(severityOf('backup.failed'), 'error');
    assert.equal(severityOf('rpo.breached'), 'error');
    assert.equal(severityOf('anomaly.detected'), 'error');
    assert.equal(severityOf('backup.partial'), 'warning');
    assert.equal(severityOf('backup.succeeded'), 'info');
  });
});
