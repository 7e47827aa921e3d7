import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { it } from 'node:test';
import { isStepvaultError } from '../../common/errors.ts';
import { describeBackendConformance } from '../backend-conformance.ts';
import { LocalBackend } from './local-backend.ts';

describeBackendConformance('local', {
  make: async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-local-'));
    return {
      backend: new LocalBackend(path.join(dir, 'repo')),
      cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  },
});

it('local: refuses to create a repository in a non-empty foreign directory', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-local-'));
  try {
    fs.writeFileSync(path.join(dir, 'precious.txt'), 'keep me');
    await assert.rejects(new LocalBackend(dir).create(), (e) => isStepvaultError(e, 'usage'));
    assert.equal(fs.readFileSync(path.join(dir, 'precious.txt'), 'utf8'), 'keep me');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('local: leaves no temp files after saving, and objects are read-only to others', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-local-'));
  try {
    const backend = new LocalBackend(dir);
    await backend.create();
    await backend.save('snapshots', 'ab'.repeat(32), Buffer.from('x'));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'tmp')), []);
    const mode = fs.statSync(path.join(dir, 'snapshots', 'ab'.repeat(32))).mode & 0o777;
    assert.equal(mode, 0o600);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
