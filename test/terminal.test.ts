// Output on a terminal: progress is one line redrawn in place on stderr (run under a pseudo-terminal with
// `script`); piped, a short command prints no progress at all, and --json prints only JSON Lines.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliSandbox, MAIN, NODE } from './support/cli.ts';

describe('terminal output', () => {
  const sb = new CliSandbox('sv-tty-');
  const data = sb.path('data');
  before(() => {
    fs.mkdirSync(data);
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(data, `f${i}.bin`), randomBytes(64 * 1024));
    sb.ok(['init']);
  });
  after(() => sb.cleanup());

  it('draws progress in place on a terminal', () => {
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = [NODE, MAIN, 'backup', data].map(quote).join(' ');
    let out: string;
    try {
      out = execFileSync('script', ['-qfec', command, '/dev/null'], {
        env: { ...sb.env, TERM: 'xterm' },
        encoding: 'utf8',
      });
    } catch (e) {
      throw new Error(`running under a pseudo-terminal with script(1) failed: ${(e as Error).message}`);
    }
    assert.ok(out.includes('\r\u001b[K['), 'a status line redrawn with carriage return and erase-line');
    assert.match(out, /\[\d+:\d\d\] /);
    assert.match(out, /\d+ files|\d+\/\d+ files/);
    assert.match(out, /snapshot [0-9a-f]{8} saved/);
  });

  it('prints no progress when piped, and only JSON with --json', () => {
    const plain = sb.ok(['backup', data, '--force']);
    assert.doesNotMatch(plain.stderr, /\[\d+:\d\d\]/);
    const json = sb.ok(['backup', data, '--force', '--json']);
    for (const line of json.stdout.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), line);
  });
});
