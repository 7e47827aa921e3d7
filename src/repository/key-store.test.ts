// Unlocking with damaged key slots: a damaged slot (its wrapped key, its KDF parameters or its length changed) is
// reported as damage, named, never as a wrong password; intact slots of other passwords still open the repository.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { FAST_KDF } from '../../test/support/small-repository.ts';
import { isStepvaultError, type StepvaultError } from '../common/errors.ts';
import { MemoryBackend } from '../storage/memory/memory-backend.ts';
import { addKeySlot, listKeySlots, unlockRepository } from './key-store.ts';

type Damage = (bytes: Buffer) => Buffer;

/** The damage a key file can take that leaves it a file under its old name. */
const DAMAGE: Record<string, Damage> = {
  'a bit flipped in its wrapped key': (bytes) => {
    const file = JSON.parse(bytes.toString('utf8'));
    const wrapped = Buffer.from(file.wrapped, 'base64');
    wrapped[5]! ^= 0x01;
    return Buffer.from(bytes.toString('utf8').replace(file.wrapped, wrapped.toString('base64')));
  },
  truncated: (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)),
  'its KDF parameters changed': (bytes) =>
    Buffer.from(bytes.toString('utf8').replace(/"passes": \d+/, '"passes": 2')),
  'its KDF salt changed': (bytes) => {
    const file = JSON.parse(bytes.toString('utf8'));
    return Buffer.from(bytes.toString('utf8').replace(file.kdf.salt, randomBytes(16).toString('base64')));
  },
};

async function repositoryWithTwoSlots() {
  const backend = new MemoryBackend();
  const secret = randomBytes(32);
  const first = await addKeySlot(backend, secret, 'first password', { kdf: FAST_KDF });
  const second = await addKeySlot(backend, secret, 'second password', { kdf: FAST_KDF });
  return { backend, secret, first, second };
}

async function damage(backend: MemoryBackend, name: string, how: Damage): Promise<void> {
  const damaged = how(await backend.load('keys', name));
  assert.notEqual(createHash('sha256').update(damaged).digest('hex'), name);
  await backend.remove('keys', name);
  await backend.save('keys', name, damaged);
}

async function unlockError(backend: MemoryBackend, password: string): Promise<StepvaultError> {
  let error: unknown;
  await unlockRepository(backend, password).then(
    () => assert.fail('the repository opened'),
    (e) => {
      error = e;
    },
  );
  assert.ok(isStepvaultError(error), String(error));
  return error;
}

describe('unlocking with damaged key slots', () => {
  for (const [kind, how] of Object.entries(DAMAGE)) {
    it(`the right password whose slot is damaged (${kind}): damage, naming the key file`, async () => {
      const { backend, secret, first, second } = await repositoryWithTwoSlots();
      await damage(backend, first, how);
      const e = await unlockError(backend, 'first password');
      assert.equal(e.code, 'corrupt', e.message);
      assert.match(e.message, new RegExp(`keys/${first} is damaged`));
      assert.match(e.message, /matched no intact key slot/);
      assert.doesNotMatch(e.message, new RegExp(second));
      assert.match(e.hint ?? '', /another key slot/);
      assert.match(e.hint ?? '', /from a copy of the repository/);
      // the intact slot of the other password still opens it
      assert.deepEqual(await unlockRepository(backend, 'second password'), { secret, slot: second });
    });
  }

  it('a wrong password while a slot is damaged: no intact slot matched, the damaged file named', async () => {
    const { backend, first } = await repositoryWithTwoSlots();
    await damage(backend, first, DAMAGE.truncated!);
    const e = await unlockError(backend, 'not any password');
    assert.equal(e.code, 'corrupt');
    assert.match(e.message, /^the password matched no intact key slot, and /);
    assert.ok(e.message.includes(`keys/${first}`), e.message);
    assert.match(e.hint ?? '', /otherwise check the password/);
  });

  it('several damaged slots are all named', async () => {
    const { backend, first, second } = await repositoryWithTwoSlots();
    const third = await addKeySlot(backend, randomBytes(32), 'third password', { kdf: FAST_KDF });
    await damage(backend, first, DAMAGE.truncated!);
    await damage(backend, second, DAMAGE['its KDF parameters changed']!);
    const e = await unlockError(backend, 'first password');
    assert.equal(e.code, 'corrupt');
    for (const name of [first, second]) assert.ok(e.message.includes(`keys/${name} is damaged`), e.message);
    assert.ok(!e.message.includes(third), e.message);
  });

  it('the only slot damaged: damage, naming it, with no other key to try', async () => {
    const backend = new MemoryBackend();
    const only = await addKeySlot(backend, randomBytes(32), 'pw', { kdf: FAST_KDF });
    await damage(backend, only, DAMAGE['a bit flipped in its wrapped key']!);
    const e = await unlockError(backend, 'pw');
    assert.equal(e.code, 'corrupt');
    assert.match(
      e.message,
      new RegExp(`^keys/${only} is damaged: .*; the repository has no intact key file$`),
    );
    assert.match(e.hint ?? '', /restore the key file from a copy/);
  });

  it('a wrong password with every slot intact is still a wrong password', async () => {
    const { backend } = await repositoryWithTwoSlots();
    const e = await unlockError(backend, 'not any password');
    assert.equal(e.code, 'wrong-password');
  });

  it('lists a damaged slot as damaged instead of failing', async () => {
    const { backend, first, second } = await repositoryWithTwoSlots();
    await damage(backend, first, DAMAGE.truncated!);
    const slots = await listKeySlots(backend);
    assert.deepEqual(
      slots.map((s) => [s.name, s.damaged !== undefined]),
      [
        [second, false],
        [first, true],
      ],
    );
    assert.match(slots[1]!.damaged!, /does not match its name/);
  });
});
