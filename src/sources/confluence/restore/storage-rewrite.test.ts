import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { referencedContentIds, rewriteReferences } from './storage-rewrite.ts';

const ids = new Map([
  ['101', '9001'],
  ['102', '9002'],
  ['103', '9003'],
]);
const maps = {
  contentIds: ids,
  attachmentIds: new Map([['att555', 'att777']]),
  spaceKeys: new Map([['ENG', 'ENG2']]),
  sourceHosts: ['acme.atlassian.net'],
  targetOrigin: 'https://copy.atlassian.net',
};

test('links by id, absolute on the original host or relative, get new ids, keys and host', () => {
  const body =
    '<p><a href="https://acme.atlassian.net/wiki/spaces/ENG/pages/101/Some+Title">a</a> ' +
    '<a href="/wiki/spaces/ENG/pages/102">b</a> ' +
    '<a href="https://ACME.atlassian.net/wiki/spaces/OPS/pages/103">c</a></p>';
  const { body: out, unresolved } = rewriteReferences(body, maps);
  assert.equal(
    out,
    '<p><a href="https://copy.atlassian.net/wiki/spaces/ENG2/pages/9001/Some+Title">a</a> ' +
      '<a href="/wiki/spaces/ENG2/pages/9002">b</a> ' +
      '<a href="https://copy.atlassian.net/wiki/spaces/OPS/pages/9003">c</a></p>',
  );
  assert.deepEqual(unresolved, []);
});

test('links to other hosts and path fragments of other URLs are left alone', () => {
  const body =
    '<a href="https://other.example/wiki/spaces/ENG/pages/101">x</a>' +
    '<a href="https://other.example/docs/wiki/spaces/ENG/pages/101">y</a>' +
    '<a href="https://www.example.com/videos/101">z</a>';
  const { body: out, unresolved } = rewriteReferences(body, maps);
  assert.equal(out, body);
  assert.deepEqual(unresolved, []);
});

test('ri:content-id, ri:space-key, data-linked-resource-id and id parameters are rewritten', () => {
  const body =
    '<ac:link><ri:page ri:content-id="101" ri:space-key="ENG" /></ac:link>' +
    '<ac:link><ri:page ri:space-key="ENG" ri:content-title="Keep &amp; title" /></ac:link>' +
    '<ac:structured-macro ac:name="include"><ac:parameter ac:name="pageId">102</ac:parameter></ac:structured-macro>' +
    '<ac:structured-macro ac:name="children"><ac:parameter ac:name="pageIds">101, 103</ac:parameter>' +
    '<ac:parameter ac:name="spaces">ENG,OPS</ac:parameter><ac:parameter ac:name="depth">3</ac:parameter></ac:structured-macro>' +
    '<a data-linked-resource-id="103" href="/wiki/pages/viewpage.action?pageId=101&amp;spaceKey=ENG">v</a>' +
    '<img src="/wiki/download/attachments/102/file.png?preview=att555" />';
  const { body: out, unresolved } = rewriteReferences(body, maps);
  assert.equal(
    out,
    '<ac:link><ri:page ri:content-id="9001" ri:space-key="ENG2" /></ac:link>' +
      '<ac:link><ri:page ri:space-key="ENG2" ri:content-title="Keep &amp; title" /></ac:link>' +
      '<ac:structured-macro ac:name="include"><ac:parameter ac:name="pageId">9002</ac:parameter></ac:structured-macro>' +
      '<ac:structured-macro ac:name="children"><ac:parameter ac:name="pageIds">9001, 9003</ac:parameter>' +
      '<ac:parameter ac:name="spaces">ENG2,OPS</ac:parameter><ac:parameter ac:name="depth">3</ac:parameter></ac:structured-macro>' +
      '<a data-linked-resource-id="9003" href="/wiki/pages/viewpage.action?pageId=9001&amp;spaceKey=ENG2">v</a>' +
      '<img src="/wiki/download/attachments/9002/file.png?preview=att777" />',
  );
  assert.deepEqual(unresolved, []);
});

test('ADF text: links and media collections', () => {
  const adf = JSON.stringify({
    type: 'doc',
    content: [
      { type: 'inlineCard', attrs: { url: 'https://acme.atlassian.net/wiki/spaces/ENG/pages/101' } },
      { type: 'media', attrs: { id: 'f-1', collection: 'contentId-102', type: 'file' } },
    ],
  });
  const { body, unresolved } = rewriteReferences(adf, maps);
  assert.deepEqual(JSON.parse(body).content, [
    { type: 'inlineCard', attrs: { url: 'https://copy.atlassian.net/wiki/spaces/ENG2/pages/9001' } },
    { type: 'media', attrs: { id: 'f-1', collection: 'contentId-9002', type: 'file' } },
  ]);
  assert.deepEqual(unresolved, []);
});

test('blog post links and edit links keep their shape', () => {
  const { body } = rewriteReferences(
    '<a href="/wiki/spaces/ENG/blog/2025/03/04/101/Post">p</a><a href="/wiki/spaces/ENG/pages/edit-v2/102">e</a>',
    maps,
  );
  assert.equal(
    body,
    '<a href="/wiki/spaces/ENG2/blog/2025/03/04/9001/Post">p</a><a href="/wiki/spaces/ENG2/pages/edit-v2/9002">e</a>',
  );
});

test('unknown ids stay (with their space key) and are reported once each, in order', () => {
  const body =
    '<a href="/wiki/spaces/ENG/pages/555">a</a><ri:page ri:content-id="101" />' +
    '<ri:page ri:content-id="444" /><a href="/wiki/spaces/ENG/pages/555">again</a>';
  const { body: out, unresolved } = rewriteReferences(body, maps);
  assert.equal(
    out,
    '<a href="/wiki/spaces/ENG/pages/555">a</a><ri:page ri:content-id="9001" />' +
      '<ri:page ri:content-id="444" /><a href="/wiki/spaces/ENG/pages/555">again</a>',
  );
  assert.deepEqual(unresolved, ['555', '444']);
  assert.deepEqual(referencedContentIds(body), ['555', '101', '444']);
});

// ---- properties --------------------------------------------------------------------------------------------

const oldIds = ['11', '12', '13', '14', '15'];
const newIds = ['9911', '9912', '9913', '9914', '9915'];
const forward = new Map(oldIds.map((id, i) => [id, newIds[i]!]));
const backward = new Map(newIds.map((id, i) => [id, oldIds[i]!]));

const text = fc.stringMatching(/^[a-zA-Z0-9 .,;:!?()\-/]{0,20}$/);
const fragment = (idList: string[], host: string, key: string) =>
  fc.oneof(
    text.map((t) => `<p>${t}</p>`),
    fc.constantFrom(...idList).map((id) => `<a href="https://${host}/wiki/spaces/${key}/pages/${id}">x</a>`),
    fc.constantFrom(...idList).map((id) => `<a href="/wiki/spaces/${key}/pages/${id}/T">x</a>`),
    fc.constantFrom(...idList).map((id) => `<ri:page ri:content-id="${id}" ri:space-key="${key}" />`),
    fc.constantFrom(...idList).map((id) => `<ac:parameter ac:name="pageId">${id}</ac:parameter>`),
    fc.constant(`<ri:page ri:space-key="${key}" ri:content-title="A title" />`),
    fc.constant('<a href="https://elsewhere.example/wiki/spaces/X/pages/12">y</a>'),
  );

test('property: with empty maps any text is unchanged', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      assert.equal(rewriteReferences(s, { contentIds: new Map() }).body, s);
    }),
  );
});

test('property: rewriting to new ids and back gives the original body', () => {
  fc.assert(
    fc.property(fc.array(fragment(oldIds, 'acme.atlassian.net', 'ENG'), { maxLength: 12 }), (parts) => {
      const body = parts.join('');
      const there = rewriteReferences(body, {
        contentIds: forward,
        spaceKeys: new Map([['ENG', 'NEW']]),
        sourceHosts: ['acme.atlassian.net'],
        targetOrigin: 'https://copy.atlassian.net',
      });
      assert.deepEqual(there.unresolved, []);
      for (const id of referencedContentIds(there.body, ['copy.atlassian.net'])) assert.ok(backward.has(id));
      const back = rewriteReferences(there.body, {
        contentIds: backward,
        spaceKeys: new Map([['NEW', 'ENG']]),
        sourceHosts: ['copy.atlassian.net'],
        targetOrigin: 'https://acme.atlassian.net',
      });
      assert.equal(back.body, body);
    }),
  );
});
