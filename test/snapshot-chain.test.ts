// The tamper-evident snapshot chain and the client's record, attacked with write access to the storage: a
// forgotten snapshot put back, the newest snapshot deleted with its chain entry, the whole repository rolled back,
// chain entries removed or swapped. Each is named by `check` (also with --read-data), warned of by `snapshots` and
// `restore`, and never used. The same tests run against an S3 bucket in test/s3-chain.test.ts.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { describeChainTamper } from './support/chain-tamper.ts';
import { CliSandbox, only } from './support/cli.ts';
import { localRawStore } from './support/raw-store.ts';

describeChainTamper('local', async (sb: CliSandbox) => ({
  env: {},
  raw: localRawStore(sb.repo),
  open: () => Repository.open(new LocalBackend(sb.repo), fs.readFileSync(sb.passwordFile, 'utf8').trim()),
}));

describe('client record', () => {
  const sb = new CliSandbox('sv-record-');
  after(() => sb.cleanup());

  it('says so when the cache directory cannot be written, instead of silently not noticing a rollback', () => {
    const data = sb.path('data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'a.txt'), 'a\n');
    sb.ok(['init']);
    const blocked = sb.path('not-a-directory');
    fs.writeFileSync(blocked, 'a file where the cache directory would be\n');
    const cache = path.join(blocked, 'cache');
    const backup = sb.ok(['backup', data, '--cache-dir', cache]);
    assert.match(
      backup.stderr,
      /record of the repository cannot be kept in .*not-a-directory.*will not be noticed/,
    );
    const listed = sb.ok(['snapshots', '--json', '--cache-dir', cache]);
    assert.ok(only(listed.messages, 'error').some((m) => /cannot be kept/.test(JSON.stringify(m))));
    const quiet = sb.ok(['snapshots', '--no-cache']);
    assert.doesNotMatch(quiet.stderr, /cache directory/, '--no-cache asks for no record: nothing to warn of');
  });
});
