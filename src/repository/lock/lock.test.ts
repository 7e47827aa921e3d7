import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import { describe, it } from 'node:test';
import { isStale, type LockInfo } from './lock.ts';
import { processStart } from './process-start.ts';

const fresh = (pid: number, start: string | undefined): LockInfo => ({
  time: new Date().toISOString(),
  created: new Date().toISOString(),
  host: os.hostname(),
  pid,
  username: 'u',
  exclusive: false,
  purpose: 'test',
  ...(start !== undefined ? { processStart: start } : {}),
});

describe('lease locks', () => {
  it('knows when this process started, and that a child started later', async () => {
    const mine = processStart(process.pid);
    assert.match(mine ?? '', /^[0-9a-f-]+:\d+$/);
    const child = spawn('sleep', ['30']);
    try {
      const theirs = processStart(child.pid!);
      assert.ok(theirs && theirs !== mine);
    } finally {
      child.kill();
    }
  });

  it('a lock of a running process is live; of an ID now held by another process, stale', () => {
    const start = processStart(process.pid);
    assert.equal(isStale(fresh(process.pid, start), new Date()), false);
    assert.equal(
      isStale(fresh(process.pid, undefined), new Date()),
      false,
      'locks without a start time: by ID',
    );
    assert.equal(
      isStale(fresh(process.pid, `${start?.split(':')[0]}:1`), new Date()),
      true,
      'the ID was reused',
    );
  });

  it('a lock not refreshed for longer than staleAfter is stale wherever it was taken', () => {
    const old = {
      ...fresh(process.pid, processStart(process.pid)),
      time: new Date(Date.now() - 31 * 60_000).toISOString(),
    };
    assert.equal(isStale(old, new Date()), true);
    assert.equal(isStale({ ...old, host: 'elsewhere' }, new Date(Date.parse(old.time) + 60_000)), false);
  });
});
