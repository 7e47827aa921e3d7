import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authenticate, hasRole, tokenHash } from './bearer-tokens.ts';

const tokens = [
  { name: 'vera', role: 'viewer' as const, hash: tokenHash('viewer-token-value') },
  { name: 'ada', role: 'admin' as const, hash: tokenHash('admin-token-value') },
];

describe('bearer tokens', () => {
  it('knows a configured token by its hash and names its holder and role', () => {
    assert.deepEqual(authenticate('Bearer admin-token-value', tokens), { name: 'ada', role: 'admin' });
    assert.deepEqual(authenticate('Bearer viewer-token-value', tokens), { name: 'vera', role: 'viewer' });
  });

  it('refuses everything else', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'bearer admin-token-value',
      'Bearer  admin-token-value',
      'Bearer admin-token-value ',
      'Basic admin-token-value',
      'admin-token-value',
      `Bearer ${tokenHash('admin-token-value')}`,
      'Bearer admin-token-valuE',
    ])
      assert.equal(authenticate(header, tokens), undefined, JSON.stringify(header));
    assert.equal(authenticate('Bearer x', []), undefined);
    // An empty token never matches, even if someone configured the hash of the empty string.
    assert.equal(authenticate('Bearer ', [{ name: 'e', role: 'admin', hash: tokenHash('') }]), undefined);
  });

  it('orders roles viewer < operator < admin', () => {
    assert.ok(hasRole({ name: 'a', role: 'admin' }, 'operator'));
    assert.ok(hasRole({ name: 'o', role: 'operator' }, 'operator'));
    assert.ok(!hasRole({ name: 'v', role: 'viewer' }, 'operator'));
    assert.ok(!hasRole({ name: 'o', role: 'operator' }, 'admin'));
  });
});
