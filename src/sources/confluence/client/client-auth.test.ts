// The client authenticates the three ways Cloud allows (site Basic, gateway Basic with a scoped token, gateway
// Bearer), with the Admin Key when asked, and fails with a clear config error (no secret in it) otherwise.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ConfluenceSim, startConfluenceSim } from '../../../../devtools/confluence-sim/simulator.ts';
import { isStepvaultError } from '../../../common/errors.ts';
import { collect, instantClock, siteClient } from './client.test-helper.ts';
import { ConfluenceClient } from './client.ts';

describe('ConfluenceClient authentication', () => {
  let sim: ConfluenceSim;
  let spaceCount: number;
  before(async () => {
    sim = await startConfluenceSim();
    sim.generate({ seed: 3, spaces: 3, pages: 30, attachments: 4, hiddenFraction: 0.2 });
    spaceCount = sim.store.spaces.size;
  });
  after(() => sim.close());

  const gateway = (auth: ConstructorParameters<typeof ConfluenceClient>[0]['auth']) =>
    new ConfluenceClient({ baseUrl: sim.gatewayUrl, auth, clock: instantClock() });

  it('reads through the site URL with e-mail and classic API token', async () => {
    const spaces = await collect(siteClient(sim).listSpaces());
    assert.equal(spaces.length, spaceCount);
    assert.ok(
      spaces.some((s) => s.status === 'archived'),
      'archived spaces are listed too',
    );
  });

  it('reads through the gateway with a scoped token (Basic) and with a Bearer token, next links included', async () => {
    for (const client of [
      gateway({ kind: 'basic', email: sim.credentials.email, apiToken: sim.credentials.scopedToken }),
      gateway({ kind: 'bearer', token: sim.credentials.bearerToken }),
    ]) {
      const small = new ConfluenceClient({
        baseUrl: `${sim.gatewayUrl}/wiki/`,
        auth: { kind: 'bearer', token: sim.credentials.bearerToken },
        pageSize: 3,
      });
      assert.equal((await collect(client.listSpaces())).length, spaceCount);
      const pages = await collect(small.listPages());
      assert.ok(pages.length > 3, 'several pages of results were followed through the gateway prefix');
      assert.ok((small.stats().requests['GET /wiki/api/v2/pages'] ?? 0) > 1);
    }
  });

  it('explains a wrong token, a scoped token on the site URL and a write with a read-only token', async () => {
    const wrong = siteClient(sim, {
      auth: { kind: 'basic', email: sim.credentials.email, apiToken: 'wrong-token' },
    });
    const scopedOnSite = siteClient(sim, {
      auth: { kind: 'basic', email: sim.credentials.email, apiToken: sim.credentials.scopedToken },
    });
    for (const client of [wrong, scopedOnSite]) {
      await assert.rejects(collect(client.listSpaces()), (error) => {
        assert.ok(isStepvaultError(error, 'config'));
        assert.match(error.message, /401/);
        assert.match(error.hint ?? '', /api\.atlassian\.com\/ex\/confluence/);
        assert.doesNotMatch(`${error.message} ${error.hint}`, /wrong-token|sim-/);
        return true;
      });
    }
    const readOnly = gateway({ kind: 'bearer', token: sim.credentials.readOnlyToken });
    const [space] = await collect(readOnly.listSpaces({ statuses: ['current'] }));
    await assert.rejects(
      readOnly.createPage({
        spaceId: space!.id,
        title: 'x',
        body: { representation: 'storage', value: '<p/>' },
      }),
      (error) => isStepvaultError(error, 'config') && /scope/.test(error.message),
    );
  });

  it('refuses empty credentials and a base URL that is not one', () => {
    assert.throws(
      () => new ConfluenceClient({ baseUrl: sim.siteUrl, auth: { kind: 'basic', email: '', apiToken: 'x' } }),
      (error) => isStepvaultError(error, 'config'),
    );
    assert.throws(
      () => new ConfluenceClient({ baseUrl: 'acme.atlassian.net', auth: { kind: 'bearer', token: 't' } }),
      (error) => isStepvaultError(error, 'config') && /not a URL/.test(error.message),
    );
  });

  it('reads restricted content only with the Admin Key', async () => {
    const hidden = [...sim.store.contents.values()].filter(
      (c) => c.kind === 'page' && c.restrictions.read.users.length + c.restrictions.read.groups.length > 0,
    );
    assert.ok(hidden.length > 0, 'the dataset has read-restricted pages');
    const plain = siteClient(sim);
    const withKey = siteClient(sim, { adminKey: true });
    const key = await withKey.enableAdminKey(5);
    assert.ok(key.expirationTime);
    const seenPlain = new Set((await collect(plain.listPages())).map((p) => p.id));
    const seenWithKey = new Set((await collect(withKey.listPages())).map((p) => p.id));
    assert.ok(seenWithKey.size > seenPlain.size, 'the key opens pages the admin cannot otherwise read');
    await withKey.disableAdminKey();
    assert.equal(new Set((await collect(withKey.listPages())).map((p) => p.id)).size, seenPlain.size);
  });
});
