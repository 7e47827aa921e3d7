import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { listDirectory } from './directory-reader.ts';
import { ExcludeFilter } from './exclude-filter.ts';

describe('listDirectory', () => {
  it('keeps names that contain U+FFFD for real, and refuses names that are not UTF-8', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-dirs-'));
    try {
      fs.writeFileSync(path.join(dir, 'real-\uFFFD-name'), 'x');
      fs.writeFileSync(Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff])]), 'y');
      fs.writeFileSync(path.join(dir, 'plain'), 'z');
      const { names, errors } = listDirectory(dir, new ExcludeFilter([]));
      assert.deepEqual(names, ['plain', 'real-\uFFFD-name']);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.error, /not valid UTF-8/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
