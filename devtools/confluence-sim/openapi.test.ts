// The simulator's responses against the official OpenAPI specs (v2, and v1 where it is used): every operation
// the simulator implements is called on a generated site, and each JSON response must satisfy the spec's
// schema and carry no field the spec does not declare.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SPEC_FILES, SpecChecker } from './openapi-spec.test-helper.ts';
import { type CallOptions, call, type Reply } from './sim-client.test-helper.ts';
import { type ConfluenceSim, startConfluenceSim } from './simulator.ts';

let sim: ConfluenceSim;
const v2 = new SpecChecker(SPEC_FILES.v2, 'v2', '/wiki/api/v2');
const v1 = new SpecChecker(SPEC_FILES.v1, 'v1', '');
const checked = new Set<string>();
const problems: string[] = [];

before(async () => {
  sim = await startConfluenceSim({ siteName: 'spec' });
  sim.generate({ seed: 11, pages: 80, attachments: 40, blogPosts: 6, treeItems: 3, restrictedFraction: 0.2 });
});

after(async () => {
  await sim.close();
});

/** Calls the simulator and checks the reply against the spec; returns it for chaining. */
async function check(
  method: string,
  path: string,
  expectStatus: number,
  options: CallOptions = {},
): Promise<Reply> {
  const reply = await call(sim, method, path, options);
  assert.equal(reply.status, expectStatus, `${method} ${path}: ${reply.text.slice(0, 300)}`);
  const sitePath = path.split('?')[0]!;
  const checker = sitePath.startsWith('/wiki/rest/') ? v1 : v2;
  const op = checker.operation(method, sitePath);
  assert.ok(op, `${method} ${sitePath} is not an operation of the spec`);
  checked.add(`${method} ${op.template}`);
  if (reply.json === undefined) return reply;
  const errors = checker.validate(method, sitePath, reply.status, reply.json);
  if (errors === undefined) return reply;
  for (const e of errors) problems.push(`${method} ${path}: ${e}`);
  for (const u of checker.undeclared(method, sitePath, reply.status, reply.json))
    problems.push(`${method} ${path}: undeclared ${u}`);
  return reply;
}

function ids() {
  const pages = [...sim.store.contents.values()].filter(
    (c) => c.kind === 'page' && c.status === 'current' && c.restrictions.read.users.length === 0,
  );
  const withChildren = pages.find((p) => sim.store.childrenOf(p.spaceId, p.id).length > 1)!;
  const deep = pages.find((p) => sim.store.ancestorsOf(p).length >= 2)!;
  const blog = [...sim.store.contents.values()].find((c) => c.kind === 'blogpost' && c.status === 'current')!;
  const att =
    [...sim.store.attachments.values()].find(
      (a) =>
        a.status === 'current' &&
        a.versions.length > 1 &&
        sim.store.contents.get(a.containerId)!.restrictions.read.users.length === 0,
    ) ?? [...sim.store.attachments.values()].find((a) => a.status === 'current')!;
  const footer = [...sim.store.comments.values()].find(
    (c) => c.kind === 'footer' && c.parentCommentId === undefined && sim.store.repliesOf(c.id).length > 0,
  )!;
  const inline = [...sim.store.comments.values()].find(
    (c) => c.kind === 'inline' && c.parentCommentId === undefined,
  )!;
  const space = sim.store.spaces.get(withChildren.spaceId)!;
  const item = (kind: string) =>
    [...sim.store.contents.values()].find((c) => c.kind === kind && c.status === 'current');
  return { page: withChildren, deep, blog, att, footer, inline, space, item };
}

test('read endpoints answer as the v2 and v1 specs describe', async () => {
  const { page, deep, blog, att, footer, inline, space, item } = ids();
  const P = '/wiki/api/v2';
  await check('GET', `${P}/spaces?limit=2&description-format=plain`, 200);
  await check(
    'GET',
    `${P}/spaces/${space.id}?include-labels=true&include-properties=true&include-permissions=true&description-format=view`,
    200,
  );
  await check('GET', `${P}/spaces/${space.id}/pages?depth=root&body-format=storage`, 200);
  await check('GET', `${P}/spaces/${space.id}/blogposts?body-format=atlas_doc_format`, 200);
  await check('GET', `${P}/spaces/${space.id}/labels`, 200);
  await check('GET', `${P}/spaces/${space.id}/content/labels`, 200);
  await check('GET', `${P}/spaces/${space.id}/permissions?limit=5`, 200);
  const props = await check('GET', `${P}/spaces/${space.id}/properties`, 200);
  await check('GET', `${P}/spaces/${space.id}/properties/${props.json.results[0].id}`, 200);
  await check(
    'GET',
    `${P}/pages?limit=3&body-format=atlas_doc_format&sort=-modified-date&status=current&status=archived`,
    200,
  );
  await check(
    'GET',
    `${P}/pages/${page.id}?body-format=storage&include-labels=true&include-properties=true&include-versions=true`,
    200,
  );
  await check('GET', `${P}/pages/${page.id}?version=1&body-format=view`, 200);
  await check('GET', `${P}/pages/${page.id}/versions?body-format=storage`, 200);
  await check('GET', `${P}/pages/${page.id}/versions/1`, 200);
  await check('GET', `${P}/pages/${page.id}/labels`, 200);
  await check('GET', `${P}/pages/${page.id}/properties`, 200);
  await check('GET', `${P}/pages/${page.id}/attachments`, 200);
  await check('GET', `${P}/pages/${page.id}/footer-comments?body-format=storage`, 200);
  await check('GET', `${P}/pages/${page.id}/inline-comments?body-format=storage`, 200);
  await check('GET', `${P}/pages/${inline.containerId}/inline-comments?body-format=atlas_doc_format`, 200);
  await check('GET', `${P}/pages/${deep.id}/ancestors`, 200);
  await check('GET', `${P}/pages/${page.id}/direct-children?sort=title`, 200);
  await check('GET', `${P}/pages/${page.id}/descendants?depth=5`, 200);
  await check('GET', `${P}/pages/${page.id}/children`, 200);
  await check('GET', `${P}/blogposts?limit=2&body-format=storage`, 200);
  await check('GET', `${P}/blogposts/${blog.id}?body-format=atlas_doc_format&include-labels=true`, 200);
  await check('GET', `${P}/blogposts/${blog.id}/versions`, 200);
  await check('GET', `${P}/blogposts/${blog.id}/versions/1`, 200);
  await check('GET', `${P}/blogposts/${blog.id}/labels`, 200);
  await check('GET', `${P}/blogposts/${blog.id}/attachments`, 200);
  await check('GET', `${P}/blogposts/${blog.id}/footer-comments`, 200);
  await check('GET', `${P}/blogposts/${blog.id}/inline-comments`, 200);
  await check('GET', `${P}/blogposts/${blog.id}/properties`, 200);
  await check('GET', `${P}/attachments?limit=5&sort=-modified-date`, 200);
  await check(
    'GET',
    `${P}/attachments/${att.id}?include-labels=true&include-properties=true&include-versions=true`,
    200,
  );
  await check('GET', `${P}/attachments/${att.id}/labels`, 200);
  await check('GET', `${P}/attachments/${att.id}/versions`, 200);
  await check('GET', `${P}/attachments/${att.id}/versions/1`, 200);
  await check('GET', `${P}/attachments/${att.id}/footer-comments`, 200);
  await check('GET', `${P}/attachments/${att.id}/properties`, 200);
  await check('GET', `${P}/footer-comments?limit=5&body-format=storage`, 200);
  await check('GET', `${P}/footer-comments/${footer.id}?body-format=storage`, 200);
  await check('GET', `${P}/footer-comments/${footer.id}/children?body-format=storage`, 200);
  await check('GET', `${P}/footer-comments/${footer.id}/versions`, 200);
  await check('GET', `${P}/footer-comments/${footer.id}/versions/1`, 200);
  await check('GET', `${P}/inline-comments?limit=5&body-format=storage`, 200);
  await check('GET', `${P}/inline-comments/${inline.id}?body-format=storage`, 200);
  await check('GET', `${P}/inline-comments/${inline.id}/children`, 200);
  await check('GET', `${P}/inline-comments/${inline.id}/versions`, 200);
  await check('GET', `${P}/inline-comments/${inline.id}/versions/1`, 200);
  await check('GET', `${P}/comments/${footer.id}/properties`, 200);
  await check('GET', `${P}/labels?limit=5`, 200);
  for (const [kind, segment] of [
    ['folder', 'folders'],
    ['whiteboard', 'whiteboards'],
    ['database', 'databases'],
    ['embed', 'embeds'],
  ] as const) {
    const found = item(kind);
    assert.ok(found, `the dataset has a ${kind}`);
    await check('GET', `${P}/${segment}/${found.id}`, 200);
    await check('GET', `${P}/${segment}/${found.id}/ancestors`, 200);
    await check('GET', `${P}/${segment}/${found.id}/direct-children`, 200);
    await check('GET', `${P}/${segment}/${found.id}/descendants`, 200);
    await check('GET', `${P}/${segment}/${found.id}/properties`, 200);
  }
  await check('POST', `${P}/users-bulk`, 200, {
    body: { accountIds: [sim.store.users.keys().next().value] },
  });
  const R = '/wiki/rest/api';
  await check(
    'GET',
    `${R}/content/${page.id}?expand=body.storage,version,space,ancestors,metadata.labels`,
    200,
  );
  await check('GET', `${R}/content/${att.containerId}/child/attachment?limit=2`, 200);
  await check('GET', `${R}/content/${page.id}/label`, 200);
  await check('GET', `${R}/content/${page.id}/restriction`, 200);
  await check('GET', `${R}/content/${page.id}/restriction/byOperation`, 200);
  await check('GET', `${R}/content/${page.id}/restriction/byOperation/read`, 200);
  await check(
    'GET',
    `${R}/content/search?cql=${encodeURIComponent('type in (page, blogpost, attachment, comment) order by lastmodified desc')}&limit=10&expand=version`,
    200,
  );
  await check(
    'GET',
    `${R}/search?cql=${encodeURIComponent(`type in (page, blogpost) and space = "${space.key}"`)}&limit=0`,
    200,
  );
  await check('GET', `${R}/search?cql=${encodeURIComponent('type = page')}&limit=5&start=2`, 200);
  await check('GET', `${R}/space/${space.key}`, 200);
  await check(
    'GET',
    `${R}/user?accountId=${encodeURIComponent(sim.credentials.email === '' ? '' : [...sim.store.users.keys()][0]!)}`,
    200,
  );
  await check('GET', `${R}/user/current`, 200);
  await check('GET', `${R}/group?limit=5`, 200);
  await check('GET', `${R}/group/by-id?id=${[...sim.store.groups.keys()][0]}`, 200);
  await check(
    'GET',
    `${R}/group/by-name?name=${encodeURIComponent([...sim.store.groups.values()][0]!.name)}`,
    200,
  );
  await check('GET', `${R}/group/${[...sim.store.groups.keys()][0]}/membersByGroupId`, 200);
  await check('GET', `${R}/content/${att.containerId}/child/attachment/${att.id}/download`, 302);
  assert.deepEqual(problems, []);
});

test('write endpoints answer as the specs describe', async () => {
  const P = '/wiki/api/v2';
  const R = '/wiki/rest/api';
  const space = (
    await check('POST', `${P}/spaces`, 201, {
      body: { name: 'Spec space', key: 'SPEC', description: { value: 'd', representation: 'plain' } },
    })
  ).json;
  const created = (
    await check('POST', `${P}/pages`, 200, {
      body: {
        spaceId: space.id,
        title: 'Spec page',
        body: { representation: 'storage', value: '<p>hello world</p>' },
      },
    })
  ).json;
  const template = (
    await check('POST', `${R}/template`, 200, {
      body: {
        name: 'Spec template',
        templateType: 'page',
        description: 'd',
        labels: [{ prefix: 'global', name: 'spec' }],
        body: { storage: { value: '<p>t</p>', representation: 'storage' } },
        space: { key: space.key },
      },
    })
  ).json;
  await check('GET', `${R}/template/page?spaceKey=${space.key}&expand=body`, 200);
  await check('GET', `${R}/template/page?spaceKey=${space.key}`, 200);
  await check('GET', `${R}/template/${template.templateId}`, 200);
  await check('GET', `${R}/space/${space.key}/settings`, 200);
  await check('PUT', `${R}/space/${space.key}/settings`, 200, { body: { routeOverrideEnabled: true } });
  await check('GET', `${R}/space/${space.key}/theme`, 404);
  await check('PUT', `${R}/space/${space.key}/theme`, 200, {
    body: { themeKey: 'com.example.themes.documentation' },
  });
  await check('GET', `${R}/space/${space.key}/theme`, 200);
  await check('DELETE', `${R}/space/${space.key}/theme`, 204);
  const look = (await check('GET', `${R}/settings/lookandfeel?spaceKey=${space.key}`, 200)).json;
  await check('POST', `${R}/settings/lookandfeel/custom?spaceKey=${space.key}`, 200, {
    body: { ...look.global, links: { color: '#FF0000' } },
  });
  await check('PUT', `${R}/settings/lookandfeel`, 200, {
    body: { spaceKey: space.key, lookAndFeelType: 'custom' },
  });
  await check('PUT', `${P}/pages/${created.id}`, 200, {
    body: {
      id: created.id,
      status: 'current',
      title: 'Spec page 2',
      body: { representation: 'storage', value: '<p>hello again world</p>' },
      version: { number: 2 },
    },
  });
  await check('PUT', `${P}/pages/${created.id}/title`, 200, {
    body: { status: 'current', title: 'Spec page 3' },
  });
  const blog = (
    await check('POST', `${P}/blogposts`, 200, {
      body: {
        spaceId: space.id,
        title: 'Spec post',
        body: {
          representation: 'atlas_doc_format',
          value: JSON.stringify({ type: 'doc', version: 1, content: [] }),
        },
        createdAt: '2025-05-05T10:00:00.000Z',
      },
    })
  ).json;
  await check('PUT', `${P}/blogposts/${blog.id}`, 200, {
    body: {
      id: blog.id,
      status: 'current',
      title: 'Spec post 2',
      body: { representation: 'storage', value: '<p>x</p>' },
      version: { number: 2 },
    },
  });
  const prop = (
    await check('POST', `${P}/pages/${created.id}/properties`, 200, { body: { key: 'k', value: { a: 1 } } })
  ).json;
  await check('GET', `${P}/pages/${created.id}/properties/${prop.id}`, 200);
  await check('PUT', `${P}/pages/${created.id}/properties/${prop.id}`, 200, {
    body: { key: 'k', value: { a: 2 }, version: { number: 2 } },
  });
  await check('DELETE', `${P}/pages/${created.id}/properties/${prop.id}`, 204);
  const sprop = (
    await check('POST', `${P}/spaces/${space.id}/properties`, 201, { body: { key: 'sk', value: 'v' } })
  ).json;
  await check('PUT', `${P}/spaces/${space.id}/properties/${sprop.id}`, 200, {
    body: { key: 'sk', value: 'w', version: { number: 2 } },
  });
  await check('DELETE', `${P}/spaces/${space.id}/properties/${sprop.id}`, 204);
  const footer = (
    await check('POST', `${P}/footer-comments`, 201, {
      body: { pageId: created.id, body: { representation: 'storage', value: '<p>c</p>' } },
    })
  ).json;
  await check('POST', `${P}/footer-comments`, 201, {
    body: { parentCommentId: footer.id, body: { representation: 'storage', value: '<p>r</p>' } },
  });
  await check('PUT', `${P}/footer-comments/${footer.id}`, 200, {
    body: { version: { number: 2 }, body: { representation: 'storage', value: '<p>c2</p>' } },
  });
  const inline = (
    await check('POST', `${P}/inline-comments`, 201, {
      body: {
        pageId: created.id,
        body: { representation: 'storage', value: '<p>i</p>' },
        inlineCommentProperties: {
          textSelection: 'again',
          textSelectionMatchCount: 1,
          textSelectionMatchIndex: 0,
        },
      },
    })
  ).json;
  await check('PUT', `${P}/inline-comments/${inline.id}`, 200, {
    body: { version: { number: 2 }, body: { representation: 'storage', value: '<p>i2</p>' }, resolved: true },
  });
  await check('DELETE', `${P}/inline-comments/${inline.id}`, 204);
  await check('DELETE', `${P}/footer-comments/${footer.id}`, 204);
  const propertyCrud = async (base: string) => {
    const made = (await check('POST', `${base}/properties`, 200, { body: { key: 'p', value: 1 } })).json;
    await check('GET', `${base}/properties/${made.id}`, 200);
    await check('PUT', `${base}/properties/${made.id}`, 200, {
      body: { key: 'p', value: 2, version: { number: 2 } },
    });
    await check('DELETE', `${base}/properties/${made.id}`, 204);
  };
  for (const segment of ['folders', 'whiteboards', 'databases', 'embeds']) {
    const made = (
      await check('POST', `${P}/${segment}`, 200, {
        body: {
          spaceId: space.id,
          title: `A ${segment}`,
          parentId: created.id,
          ...(segment === 'embeds' ? { embedUrl: 'https://example.com/x' } : {}),
        },
      })
    ).json;
    await propertyCrud(`${P}/${segment}/${made.id}`);
    await check('DELETE', `${P}/${segment}/${made.id}`, 204);
  }
  await propertyCrud(`${P}/blogposts/${blog.id}`);
  const comment = (
    await check('POST', `${P}/footer-comments`, 201, {
      body: { pageId: created.id, body: { representation: 'storage', value: '<p>p</p>' } },
    })
  ).json;
  await propertyCrud(`${P}/comments/${comment.id}`);
  await check('POST', `${R}/content/${created.id}/label`, 200, {
    body: [{ prefix: 'global', name: 'spec-label' }],
  });
  await check('DELETE', `${R}/content/${created.id}/label/spec-label`, 204);
  const user = [...sim.store.users.keys()][1]!;
  const admin = sim.store.users.keys().next().value!;
  const both = [
    { type: 'known', accountId: admin },
    { type: 'known', accountId: user },
  ];
  await check('PUT', `${R}/content/${created.id}/restriction`, 200, {
    body: [{ operation: 'update', restrictions: { user: both, group: [] } }],
  });
  await check('POST', `${R}/content/${created.id}/restriction`, 200, {
    body: [
      {
        operation: 'read',
        restrictions: { user: [{ type: 'known', accountId: sim.store.users.keys().next().value }] },
      },
    ],
  });
  await check('DELETE', `${R}/content/${created.id}/restriction`, 200);
  // The caller restricts reading to itself first, so it keeps seeing the page.
  await check(
    'PUT',
    `${R}/content/${created.id}/restriction/byOperation/read/user?accountId=${encodeURIComponent(admin)}`,
    200,
  );
  await check(
    'PUT',
    `${R}/content/${created.id}/restriction/byOperation/read/user?accountId=${encodeURIComponent(user)}`,
    200,
  );
  await check(
    'GET',
    `${R}/content/${created.id}/restriction/byOperation/read/user?accountId=${encodeURIComponent(user)}`,
    200,
  );
  await check(
    'DELETE',
    `${R}/content/${created.id}/restriction/byOperation/read/user?accountId=${encodeURIComponent(user)}`,
    204,
  );
  const group = [...sim.store.groups.keys()][0]!;
  await check('PUT', `${R}/content/${created.id}/restriction/byOperation/update/byGroupId/${group}`, 200);
  await check('GET', `${R}/content/${created.id}/restriction/byOperation/update/byGroupId/${group}`, 200);
  await check('DELETE', `${R}/content/${created.id}/restriction/byOperation/update/byGroupId/${group}`, 204);
  await check('POST', `${R}/content/${created.id}/label`, 200, {
    body: { prefix: 'global', name: 'second' },
  });
  await check('DELETE', `${R}/content/${created.id}/label?name=second`, 204);
  await check('POST', `${R}/content/${created.id}/version`, 200, {
    body: { operationKey: 'restore', params: { versionNumber: 1, message: 'back' } },
  });
  const form = new FormData();
  form.append('file', new Blob([Buffer.from('spec bytes')], { type: 'text/plain' }), 'spec.txt');
  form.append('minorEdit', 'true');
  const uploaded = (
    await check('POST', `${R}/content/${created.id}/child/attachment`, 200, {
      form,
      headers: { 'x-atlassian-token': 'nocheck' },
    })
  ).json;
  const again = new FormData();
  again.append('file', new Blob([Buffer.from('spec bytes 2')]), 'spec.txt');
  again.append('minorEdit', 'false');
  await check('PUT', `${R}/content/${created.id}/child/attachment`, 200, {
    form: again,
    headers: { 'x-atlassian-token': 'nocheck' },
  });
  const data = new FormData();
  data.append('file', new Blob([Buffer.from('spec bytes 3')]), 'spec.txt');
  data.append('minorEdit', 'false');
  await check('POST', `${R}/content/${created.id}/child/attachment/${uploaded.results[0].id}/data`, 200, {
    form: data,
    headers: { 'x-atlassian-token': 'nocheck' },
  });
  const sibling = (
    await check('POST', `${P}/pages`, 200, {
      body: { spaceId: space.id, title: 'Sibling', body: { representation: 'storage', value: '<p>s</p>' } },
    })
  ).json;
  await check('PUT', `${R}/content/${sibling.id}/move/before/${created.id}`, 200);
  const v1Space = (await check('POST', `${R}/space`, 200, { body: { key: 'SPECONE', name: 'Spec one' } }))
    .json;
  const perm = (
    await check('POST', `${R}/space/${v1Space.key}/permission`, 200, {
      body: { subject: { type: 'user', identifier: user }, operation: { key: 'read', target: 'space' } },
    })
  ).json;
  await check('DELETE', `${R}/space/${v1Space.key}/permission/${perm.id}`, 204);
  await check('POST', `${R}/space/${v1Space.key}/label`, 200, {
    body: [
      { prefix: 'global', name: 'handbook' },
      { prefix: 'team', name: 'ops' },
    ],
  });
  await check('GET', `${R}/space/${v1Space.key}/label`, 200);
  await check('DELETE', `${R}/space/${v1Space.key}/label?name=handbook`, 204);
  await propertyCrud(`${P}/attachments/${uploaded.results[0].id}`);
  await check('DELETE', `${P}/attachments/${uploaded.results[0].id}`, 204);
  await check('POST', `${P}/admin-key`, 200, { body: { durationInMinutes: 5 } });
  await check('GET', `${P}/admin-key`, 200);
  await check('DELETE', `${P}/admin-key`, 204);
  await check('DELETE', `${P}/pages/${sibling.id}`, 204);
  await check('DELETE', `${P}/pages/${sibling.id}?purge=true`, 204);
  await check('DELETE', `${P}/blogposts/${blog.id}`, 204);
  assert.deepEqual(problems, []);
});

test('every API route of the simulator is an operation of a spec, and was checked above', () => {
  const unchecked: string[] = [];
  for (const route of sim.routes()) {
    if (route.path.startsWith('/wiki/download/')) continue; // the legacy servlet: not a REST operation
    const sample = route.path.replace(/:[A-Za-z]+/g, '1');
    const checker = sample.startsWith('/wiki/rest/') ? v1 : v2;
    const op = checker.operation(route.method, sample);
    assert.ok(op, `${route.method} ${route.path} is in no spec`);
    if (!checked.has(`${route.method} ${op.template}`)) unchecked.push(`${route.method} ${route.path}`);
  }
  assert.deepEqual(unchecked, []);
});
