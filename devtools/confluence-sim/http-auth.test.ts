// Authentication and visibility over HTTP: which credentials work on the site URL and on the gateway path,
// read-only tokens, restricted pages hidden from lists and "not found" when asked for, the Admin Key, and CQL
// search ignoring the Admin Key as Cloud does.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call } from './sim-client.test-helper.ts';
import { type ConfluenceSim, startConfluenceSim } from './simulator.ts';

let sim: ConfluenceSim;
let hidden: string;

before(async () => {
  sim = await startConfluenceSim({ siteName: 'auth' });
  const summary = sim.generate({ seed: 21, pages: 60, attachments: 10, hiddenFraction: 0.2 });
  hidden = summary.hidden[0]!;
  assert.ok(hidden, 'the dataset has a page the admin cannot read');
});

after(async () => {
  await sim.close();
});

const basic = (user: string, secret: string) =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

test('classic tokens work with Basic on the site URL only; scoped and OAuth tokens on the gateway only', async () => {
  const { email, apiToken, scopedToken, bearerToken } = sim.credentials;
  const path = '/wiki/api/v2/spaces?limit=1';
  const site = (authorization: string) => call(sim, 'GET', path, { headers: { authorization } });
  const gateway = (authorization: string) =>
    call(sim, 'GET', path, { auth: 'gateway', headers: { authorization } });
  assert.equal((await site(basic(email, apiToken))).status, 200);
  assert.equal((await site(basic(email, scopedToken))).status, 401);
  assert.equal((await site(`Bearer ${bearerToken}`)).status, 401);
  assert.equal((await site(basic(email, 'wrong'))).status, 401);
  assert.equal((await site(basic('someone@example.test', apiToken))).status, 401);
  assert.equal((await call(sim, 'GET', path, { auth: 'none' })).status, 401);
  assert.equal((await gateway(`Bearer ${bearerToken}`)).status, 200);
  assert.equal((await gateway(basic(email, scopedToken))).status, 200);
  assert.equal((await gateway(basic(email, apiToken))).status, 401);
  const wrongCloud = await fetch(`${sim.siteUrl}/ex/confluence/not-this-cloud/wiki/api/v2/spaces`, {
    headers: { authorization: `Bearer ${bearerToken}` },
  });
  assert.equal(wrongCloud.status, 404);
  const tenant = (await (await fetch(`${sim.siteUrl}/_edge/tenant_info`)).json()) as { cloudId: string };
  assert.equal(tenant.cloudId, sim.cloudId);
});

test('a 401 carries the v2 error shape and WWW-Authenticate', async () => {
  const reply = await call(sim, 'GET', '/wiki/api/v2/pages', { auth: 'none' });
  assert.equal(reply.status, 401);
  assert.ok(reply.headers.get('www-authenticate'));
  assert.equal(reply.json.errors[0].status, 401);
  const v1 = await call(sim, 'GET', '/wiki/rest/api/user/current', { auth: 'none' });
  assert.equal(v1.json.statusCode, 401);
});

test('a read-only token can read but not write', async () => {
  const authorization = basic(sim.credentials.email, sim.credentials.readOnlyToken);
  const space = [...sim.store.spaces.values()][0]!;
  const read = await call(sim, 'GET', `/wiki/api/v2/spaces/${space.id}`, {
    auth: 'gateway',
    headers: { authorization },
  });
  assert.equal(read.status, 200);
  const write = await call(sim, 'POST', '/wiki/api/v2/pages', {
    auth: 'gateway',
    headers: { authorization },
    body: { spaceId: space.id, title: 'nope' },
  });
  assert.equal(write.status, 401);
  assert.match(write.text, /scope does not match/);
});

test('restricted content is hidden from lists and not found, until the Admin Key is used', async () => {
  const page = sim.store.contents.get(hidden)!;
  const direct = await call(sim, 'GET', `/wiki/api/v2/pages/${hidden}`);
  assert.equal(direct.status, 404);
  const listed = await call(sim, 'GET', `/wiki/api/v2/pages?id=${hidden}`);
  assert.deepEqual(listed.json.results, []);
  const header = { 'atl-confluence-with-admin-key': 'true' };
  assert.equal(
    (await call(sim, 'GET', `/wiki/api/v2/pages/${hidden}`, { headers: header })).status,
    404,
    'no key yet',
  );
  const key = await call(sim, 'POST', '/wiki/api/v2/admin-key', { body: { durationInMinutes: 10 } });
  assert.equal(key.status, 200);
  assert.ok(Date.parse(key.json.expirationTime) > Date.now());
  const withKey = await call(sim, 'GET', `/wiki/api/v2/pages/${hidden}`, { headers: header });
  assert.equal(withKey.status, 200);
  assert.equal(withKey.json.title, page.versions.at(-1)!.title);
  assert.equal(
    (await call(sim, 'GET', `/wiki/api/v2/pages/${hidden}`)).status,
    404,
    'the key works only when asked for',
  );
  const cql = encodeURIComponent(`id = ${hidden}`);
  const search = await call(sim, 'GET', `/wiki/rest/api/content/search?cql=${cql}`, { headers: header });
  assert.equal(search.status, 200);
  assert.deepEqual(search.json.results, [], 'CQL ignores the Admin Key');
  assert.equal((await call(sim, 'DELETE', '/wiki/api/v2/admin-key')).status, 204);
  assert.equal((await call(sim, 'GET', `/wiki/api/v2/pages/${hidden}`, { headers: header })).status, 404);
});

test('a user without access to a space sees neither it nor its pages', async () => {
  const space = [...sim.store.spaces.values()][0]!;
  const outsider = [...sim.store.users.values()].find((u) => !u.siteAdmin)!;
  sim.store.addCredential({
    kind: 'classic',
    secret: 'outsider-token',
    accountId: outsider.accountId,
    canWrite: true,
  });
  space.permissions = space.permissions.filter(
    (p) =>
      !(
        p.operation.key === 'read' &&
        (p.principal.id === outsider.accountId || outsider.groupIds.includes(p.principal.id))
      ),
  );
  const authorization = basic(outsider.email, 'outsider-token');
  const spaces = await call(sim, 'GET', '/wiki/api/v2/spaces?limit=250', { headers: { authorization } });
  assert.ok(!spaces.json.results.some((s: { id: string }) => s.id === space.id));
  assert.equal(
    (await call(sim, 'GET', `/wiki/api/v2/spaces/${space.id}`, { headers: { authorization } })).status,
    404,
  );
  assert.equal(
    (await call(sim, 'GET', `/wiki/api/v2/pages/${space.homepageId}`, { headers: { authorization } })).status,
    404,
  );
});
