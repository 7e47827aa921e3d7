// A damaged key slot as a user meets it: with the right password and its slot damaged (a bit flipped in the
// wrapped key, the file truncated, a KDF parameter changed), every command fails with the exit code of a damaged
// repository, naming `keys/<name>` and saying it is damaged, with a hint; a wrong password is told that it matched
// no intact slot and shown the damaged file; `check` and `key list` (opened with another password) name it, and
// removing it leaves a plain wrong password for the old one.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT } from '../src/cli/exit-codes.ts';
import { addKeySlot } from '../src/repository/key-store.ts';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { CliSandbox, only } from './support/cli.ts';
import { FAST_KDF } from './support/small-repository.ts';

const DAMAGE: Record<string, (text: string) => string> = {
  'a bit flipped in the wrapped key': (text) => {
    const wrapped = JSON.parse(text).wrapped as string;
    const bytes = Buffer.from(wrapped, 'base64');
    bytes[3]! ^= 0x04;
    return text.replace(wrapped, bytes.toString('base64'));
  },
  truncated: (text) => text.slice(0, Math.floor(text.length * 0.7)),
  'a KDF parameter changed': (text) =>
    text.replace(/"memoryKiB": (\d+)/, (_, m) => `"memoryKiB": ${Number(m) * 2}`),
};

describe('a damaged key slot', () => {
  const sb = new CliSandbox('sv-keydamage-');
  const pristine = sb.path('pristine');
  const password2 = sb.path('password2');
  const wrong = sb.path('wrong-password');
  let slot: string;

  before(async () => {
    const repo = await Repository.init(
      new LocalBackend(pristine),
      fs.readFileSync(sb.passwordFile, 'utf8').trim(),
      { kdf: FAST_KDF },
    );
    slot = repo.keySlot;
    fs.writeFileSync(password2, 'second password\n');
    fs.writeFileSync(wrong, 'not any password\n');
    await addKeySlot(repo.backend, repo.masterSecret, 'second password', { kdf: FAST_KDF });
    fs.mkdirSync(sb.path('data'));
    fs.writeFileSync(sb.path('data', 'a.txt'), 'some data\n');
    sb.ok(['backup', sb.path('data'), '-q'], 0, { STEPVAULT_REPOSITORY: pristine });
  });
  after(() => sb.cleanup());

  for (const [kind, damage] of Object.entries(DAMAGE)) {
    it(`${kind}: named as damaged, not a wrong password`, () => {
      const repo = sb.path(`case-${kind.replaceAll(' ', '-')}`);
      fs.cpSync(pristine, repo, { recursive: true });
      const file = path.join(repo, 'keys', slot);
      fs.writeFileSync(file, damage(fs.readFileSync(file, 'utf8')));
      const env = { STEPVAULT_REPOSITORY: repo };

      const right = sb.run(['snapshots'], env);
      assert.equal(right.code, EXIT.failed, right.stderr);
      assert.ok(right.stderr.includes(`keys/${slot} is damaged`), right.stderr);
      assert.match(right.stderr, /matched no intact key slot/);
      assert.match(
        right.stderr,
        /hint: if the password is right, its slot is the damaged one: .*another key slot/,
      );
      assert.match(right.stderr, /restore the key file from a copy of the repository/);
      const json = only(sb.run(['snapshots', '--json'], env).messages, 'exit_error')[0]!;
      assert.equal(json.code, EXIT.failed);
      assert.equal(json.error_code, 'corrupt');
      assert.ok(String(json.message).includes(`keys/${slot}`), String(json.message));

      const wrongOne = sb.run(['snapshots'], { ...env, STEPVAULT_PASSWORD_FILE: wrong });
      assert.equal(wrongOne.code, EXIT.failed, wrongOne.stderr);
      assert.match(wrongOne.stderr, /the password matched no intact key slot/);
      assert.ok(wrongOne.stderr.includes(`keys/${slot}`), wrongOne.stderr);

      // Opened with the other password, `check` and `key list` name the damaged key file...
      const other = { ...env, STEPVAULT_PASSWORD_FILE: password2 };
      const check = sb.run(['check', '--json'], other);
      assert.equal(check.code, EXIT.failed, check.stdout);
      assert.deepEqual(
        only(check.messages, 'error').map((m) => m.object),
        [`keys/${slot}`],
      );
      const keys = only(sb.ok(['key', 'list', '--json'], 0, other).messages, 'key');
      assert.equal(keys.length, 2);
      assert.match(String(keys.find((k) => k.name === slot)?.damaged), /does not match its name/);
      // ...and removing it leaves the old password a plain wrong password.
      sb.ok(['key', 'remove', slot.slice(0, 8)], 0, other);
      assert.equal(sb.run(['snapshots'], env).code, EXIT.wrongPassword);
      sb.ok(['check'], 0, other);
    });
  }
});
