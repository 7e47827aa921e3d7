import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FAST_KDF } from '../../../test/support/small-repository.ts';
import { isStepvaultError } from '../../common/errors.ts';
import { createKeySlot, openKeySlot, parseKeyFile } from './key-slot.ts';

const owner = { host: 'h', username: 'u', created: new Date(0) };

describe('key slots', () => {
  it('unwrap with the right password only', async () => {
    const secret = randomBytes(32);
    const slot = await createKeySlot(secret, 'pässwörd', owner, FAST_KDF);
    const file = parseKeyFile(slot.name, slot.bytes);
    assert.deepEqual(await openKeySlot(file, 'pässwörd'), secret);
    assert.equal(await openKeySlot(file, 'password'), undefined);
    assert.ok(!slot.bytes.toString().includes(secret.toString('base64')));
  });

  it('refuse empty passwords', async () => {
    await assert.rejects(createKeySlot(randomBytes(32), '', owner, FAST_KDF), (e) =>
      isStepvaultError(e, 'usage'),
    );
  });

  it('tell corruption apart from a wrong password', async () => {
    const slot = await createKeySlot(randomBytes(32), 'pw', owner, FAST_KDF);
    const flipped = Buffer.from(slot.bytes);
    flipped[20]! ^= 1;
    assert.throws(() => parseKeyFile(slot.name, flipped), /does not match its name/);
  });

  it('never crash on arbitrary content, even with a matching name', () => {
    const check = (bytes: Uint8Array) => {
      const name = createHash('sha256').update(bytes).digest('hex');
      try {
        parseKeyFile(name, bytes);
      } catch (e) {
        assert.ok(isStepvaultError(e, 'corrupt'), String(e));
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200, size: 'max' }), check), { numRuns: 200 });
    fc.assert(
      fc.property(fc.jsonValue(), (v) => check(Buffer.from(JSON.stringify(v)))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            version: fc.constant(1),
            kdf: fc.record({
              algorithm: fc.constant('argon2id'),
              memoryKiB: fc.integer(),
              passes: fc.integer(),
              parallelism: fc.integer(),
              salt: fc.string(),
            }),
          },
          { requiredKeys: [] },
        ),
        (v) => check(Buffer.from(JSON.stringify(v))),
      ),
      { numRuns: 200 },
    );
  });

  it('refuse a key file that asks for absurd KDF memory (a denial-of-service attempt)', () => {
    const bytes = Buffer.from(
      JSON.stringify({
        version: 1,
        created: '',
        host: '',
        username: '',
        nonce: '',
        wrapped: '',
        kdf: { algorithm: 'argon2id', memoryKiB: 2 ** 40, passes: 1, parallelism: 1, salt: '' },
      }),
    );
    assert.throws(
      () => parseKeyFile(createHash('sha256').update(bytes).digest('hex'), bytes),
      /not a version 1 key file/,
    );
  });
});
