import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStepvaultError } from '../common/errors.ts';
import { decodeConfig } from './repository-config.ts';

describe('repository config', () => {
  it('accepts a valid config and rejects any other JSON as corrupt', () => {
    const valid = {
      version: 1,
      id: 'f'.repeat(64),
      created: 'now',
      chunker: { min: 512 * 1024, avg: 1 << 20, max: 8 << 20 },
      packSize: 16 << 20,
    };
    assert.equal(decodeConfig(Buffer.from(JSON.stringify(valid))).packSize, 16 << 20);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc
            .dictionary(fc.constantFrom(...Object.keys(valid)), fc.jsonValue())
            .map((p) => ({ ...valid, ...p })),
        ),
        (v) => {
          try {
            decodeConfig(Buffer.from(JSON.stringify(v)));
          } catch (e) {
            assert.ok(isStepvaultError(e, 'corrupt'), String(e));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
