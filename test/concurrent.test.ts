// Concurrent backups into one repository: they run side by side (shared locks), both commit, the repository
// stays consistent, and each snapshot restores exactly what it backed up — even where their data overlaps.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { CliSandbox, only } from './support/cli.ts';

describe('concurrent backups', () => {
  const sb = new CliSandbox('sv-concurrent-');
  after(() => sb.cleanup());

  it('two backups at once both commit, and the repository stays consistent', async () => {
    sb.ok(['init']);
    const shared = randomBytes(6 * 1024 * 1024);
    const dirs = ['one', 'two'].map((name) => {
      const dir = sb.path(name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'shared.bin'), shared); // the same content in both: both may store it
      fs.writeFileSync(path.join(dir, 'own.bin'), randomBytes(5 * 1024 * 1024));
      for (let i = 0; i < 200; i++)
        fs.writeFileSync(path.join(dir, `page-${i}.txt`), `${name} page ${i}\n`.repeat(40));
      return dir;
    });
    const results = await Promise.all(dirs.map((dir) => sb.runAsync(['backup', dir, '-q'])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const snapshots = only(sb.ok(['snapshots', '--json']).messages, 'snapshot');
    assert.equal(snapshots.length, 2);
    sb.ok(['check', '--read-data']);
    for (const dir of dirs) {
      const target = sb.path(`restored-${path.basename(dir)}`);
      const snapshot = snapshots.find((s) => (s.paths as string[]).includes(dir))!;
      sb.ok(['restore', `${String(snapshot.id).slice(0, 12)}:${dir}`, '--target', target]);
      for (const name of fs.readdirSync(dir)) {
        assert.deepEqual(
          fs.readFileSync(path.join(target, name)),
          fs.readFileSync(path.join(dir, name)),
          name,
        );
      }
    }
  });
});
