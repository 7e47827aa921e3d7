import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStepvaultError } from '../../common/errors.ts';
import { seal, unseal } from './sealed-object.ts';

const key = randomBytes(32);

describe('sealed objects', () => {
  it('round-trip and use a fresh key per object', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000, size: 'max' }), (plain) => {
        const a = seal(key, 'snapshot', plain);
        const b = seal(key, 'snapshot', plain);
        assert.notDeepEqual(a, b);
        assert.deepEqual(unseal(key, 'snapshot', a, 'x'), Buffer.from(plain));
      }),
    );
  });

  it('detects every bit flip and truncation', () => {
    const sealed = seal(key, 'index', Buffer.from('the index'));
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const flipped = Buffer.from(sealed);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      assert.throws(
        () => unseal(key, 'index', flipped, 'index/x'),
        (e) => isStepvaultError(e, 'corrupt'),
      );
    }
    for (let n = 0; n < sealed.length; n++) {
      assert.throws(
        () => unseal(key, 'index', sealed.subarray(0, n), 'index/x'),
        (e) => isStepvaultError(e, 'corrupt'),
      );
    }
  });

  it('binds the object type: a snapshot cannot pass for a config', () => {
    const sealed = seal(key, 'snapshot', Buffer.from('{}'));
    assert.throws(() => unseal(key, 'config', sealed, 'config'), /authentication failed/);
    assert.throws(() => unseal(randomBytes(32), 'snapshot', sealed, 's'), /authentication failed/);
  });

  it('never crashes on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200, size: 'max' }), (bytes) => {
        assert.throws(
          () => unseal(key, 'lock', bytes, 'locks/x'),
          (e) => isStepvaultError(e, 'corrupt'),
        );
      }),
      { numRuns: 300 },
    );
  });
});
