// --one-file-system: a backup does not descend into another file system mounted below its paths (the mount point
// itself is kept, empty). Mounts a tmpfs for the test, which needs root; without it the test fails saying so.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliSandbox, only } from './support/cli.ts';

describe('backup --one-file-system', () => {
  const sb = new CliSandbox('sv-onefs-');
  const data = sb.path('data');
  const mount = path.join(data, 'other-fs');
  before(() => {
    fs.mkdirSync(mount, { recursive: true });
    fs.writeFileSync(path.join(data, 'here.txt'), 'on the first file system');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(
        `this test mounts a tmpfs and needs root (mount failed: ${(e as { stderr?: Buffer }).stderr?.toString().trim()})`,
      );
    }
    fs.writeFileSync(path.join(mount, 'there.txt'), 'on the mounted file system');
    sb.ok(['init']);
  });
  after(() => {
    try {
      execFileSync('umount', [mount]);
    } catch {
      // not mounted
    }
    sb.cleanup();
  });

  const listed = (id: string) =>
    only(sb.ok(['ls', id, '--json']).messages, 'node')
      .map((n) => String(n.path))
      .filter((p) => p.startsWith(data));

  it('stays on one file system with -x and crosses without it', () => {
    const crossing = only(sb.ok(['backup', data, '--json']).messages, 'summary')[0]!;
    assert.ok(listed(String(crossing.snapshot_id)).includes(`${mount}/there.txt`));
    const staying = only(
      sb.ok(['backup', data, '--one-file-system', '--json', '--force']).messages,
      'summary',
    )[0]!;
    const paths = listed(String(staying.snapshot_id));
    assert.ok(paths.includes(`${data}/here.txt`));
    assert.ok(paths.includes(mount), 'the mount point itself is kept');
    assert.ok(!paths.includes(`${mount}/there.txt`), 'nothing below the mount point');
  });
});
