import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { format, inspect } from 'node:util';
import { Secret, scrub } from './secret.ts';

describe('Secret', () => {
  const canary = 'canary-7f3a9c-s3cr3t';
  const secret = new Secret(canary);

  it('prints as [secret] in every way a value reaches text', () => {
    const renderings = [
      String(secret),
      `${secret}`,
      `x${secret}`,
      JSON.stringify({ secret }),
      inspect(secret),
      inspect({ nested: { secret } }, { depth: 5 }),
      format('%s %o %O %j', secret, secret, secret, { secret }),
    ];
    for (const text of renderings) {
      assert.ok(!text.includes(canary), text);
      assert.ok(text.includes('[secret]'), text);
    }
  });

  it('reveals its value on request', () => {
    assert.equal(secret.reveal(), canary);
  });

  it('scrubs revealed values out of text', () => {
    assert.equal(
      scrub(`auth=${canary}; again ${canary}`, [secret, undefined]),
      'auth=[secret]; again [secret]',
    );
    assert.equal(scrub('nothing here', [secret]), 'nothing here');
  });
});
