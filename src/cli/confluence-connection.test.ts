// The connection options: `--max-wait` becomes the client's ceiling of waits the site asks for, and the client's
// long waits are shown with what they are for and until when (a status line as one starts, and at the end of
// every progress line while it lasts; JSON fields in --json mode).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStepvaultError } from '../common/errors.ts';
import { clientOptions, SiteWaitDisplay } from './confluence-connection.ts';
import { Output } from './output/output.ts';

function sink(): NodeJS.WriteStream & { text: string } {
  const stream = {
    text: '',
    isTTY: false,
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
  };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

const env = { SV_TOKEN: 'a token' };
const base = { site: 'https://acme.atlassian.net', email: 'me@example.com', tokenEnv: 'SV_TOKEN' };

describe('--max-wait', () => {
  it('sets the longest wait sat out, and is left to the client default when absent', () => {
    assert.equal(clientOptions({ ...base, maxWait: '10min' }, env).retry?.maxWaitMs, 600_000);
    assert.equal(clientOptions({ ...base, maxWait: '2h' }, env).retry?.maxWaitMs, 7_200_000);
    assert.equal(clientOptions(base, env).retry?.maxWaitMs, undefined);
  });

  it('refuses what is not a duration', () => {
    assert.throws(
      () => clientOptions({ ...base, maxWait: 'soon' }, env),
      (e) => isStepvaultError(e, 'usage'),
    );
  });
});

describe('SiteWaitDisplay', () => {
  const wait = {
    reason: 'points quota global-app-quota spent',
    until: new Date(Date.now() + 3_000_000),
    ms: 3_000_000,
  };

  it('prints the wait as it starts and adds it to progress lines while it lasts', () => {
    const stderr = sink();
    const display = new SiteWaitDisplay(new Output({ json: false, quiet: false, stdout: sink(), stderr }));
    assert.equal(display.suffix(), '');
    display.onWait(wait);
    assert.match(
      stderr.text,
      /waiting 50:00 \(until \d{4}-\d\d-\d\dT[\d:.]+Z\) for Confluence's rate limit: points quota global-app-quota spent/,
    );
    assert.match(display.suffix(), /^; waiting \S+ \(until .*\) for Confluence's rate limit: points quota/);
    assert.deepEqual(display.fields(), {
      waiting_for: wait.reason,
      wait_until: wait.until.toISOString(),
    });
    display.onWait({ ...wait, until: new Date(Date.now() - 1000) });
    assert.equal(display.suffix(), '', 'a wait that is over is not shown');
  });

  it('in --json mode, a status message with waiting_for and wait_until', () => {
    const stdout = sink();
    const display = new SiteWaitDisplay(new Output({ json: true, quiet: false, stdout, stderr: sink() }));
    display.onWait(wait);
    const message = JSON.parse(stdout.text.trim());
    assert.equal(message.message_type, 'status');
    assert.equal(message.waiting_for, wait.reason);
    assert.equal(message.wait_until, wait.until.toISOString());
  });
});
