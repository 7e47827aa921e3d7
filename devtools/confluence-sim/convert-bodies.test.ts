// Bodies: generated storage and ADF say the same thing; conversions between storage and ADF keep the text and
// the block structure; writes in each representation are read back exactly.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adfOf, bodyFromWrite, storageOf } from './bodies.ts';
import type { BodyRecipe } from './body-recipe.ts';
import { adfToStorage, storageText, storageToAdf } from './convert-bodies.ts';

const recipe: BodyRecipe = {
  seed: 42,
  sections: 6,
  contentId: '123',
  links: [
    { spaceKey: 'ENG', title: 'Target & <page>', href: 'https://acme.atlassian.net/wiki/spaces/ENG/pages/9' },
  ],
  urlLinks: [{ href: '/wiki/spaces/ENG/pages/9', text: 'by id' }],
  images: [{ filename: 'diagram.png', fileId: 'f-1' }],
  files: [{ filename: 'report "q1".pdf', fileId: 'f-2' }],
  mentions: ['712020:abc'],
  markers: [{ ref: 'm-1', text: 'highlighted words' }],
};

function adfText(node: { text?: string; content?: unknown[] }): string {
  return (node.text ?? '') + (node.content ?? []).map((c) => adfText(c as never)).join('');
}

test('a generated body has every reference in storage and in ADF, and the same text', () => {
  const storage = storageOf({ kind: 'recipe', recipe });
  for (const needle of [
    'ri:content-title="Target &amp; &lt;page&gt;"',
    'href="/wiki/spaces/ENG/pages/9"',
    'ri:filename="diagram.png"',
    'ri:filename="report &quot;q1&quot;.pdf"',
    'ri:account-id="712020:abc"',
    '<ac:inline-comment-marker ac:ref="m-1">highlighted words</ac:inline-comment-marker>',
    'ac:name="toc"',
  ]) {
    assert.ok(storage.includes(needle), needle);
  }
  const adf = JSON.parse(adfOf({ kind: 'recipe', recipe }));
  const json = JSON.stringify(adf);
  for (const needle of [
    '"id":"f-1"',
    '"id":"m-1"',
    '"annotationType":"inlineComment"',
    '"type":"mention"',
    'https://acme.atlassian.net/wiki/spaces/ENG/pages/9',
  ])
    assert.ok(json.includes(needle), needle);
  const prose = (text: string) => text.replace(/\s+/g, '');
  const textOfAdf = adfText(adf);
  for (const word of ['highlighted words', 'Target & <page>']) assert.ok(textOfAdf.includes(word), word);
  assert.ok(prose(storageText(storage)).includes(prose('highlighted words')));
});

test('storage converts to ADF with its blocks and text, and back', () => {
  const storage =
    '<h2>Title &amp; more</h2><p>Hello <strong>world</strong></p>' +
    '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[echo <hi>]]></ac:plain-text-body></ac:structured-macro>' +
    '<ac:structured-macro ac:name="info"><ac:rich-text-body><p>careful</p></ac:rich-text-body></ac:structured-macro>' +
    '<table><tbody><tr><th><p>a</p></th></tr><tr><td><p>b</p></td></tr></tbody></table><ul><li><p>one</p></li></ul>';
  const adf = JSON.parse(storageToAdf(storage));
  assert.deepEqual(
    adf.content.map((n: { type: string }) => n.type),
    ['heading', 'paragraph', 'codeBlock', 'panel', 'table', 'bulletList'],
  );
  assert.equal(adf.content[2].content[0].text, 'echo <hi>');
  const back = adfToStorage(JSON.stringify(adf))!;
  assert.equal(storageText(back).replace(/\s+/g, ''), storageText(storage).replace(/\s+/g, ''));
});

test('writes are read back exactly in the representation written', () => {
  const storage = bodyFromWrite({ representation: 'storage', value: '<p>x</p>' });
  assert.deepEqual(storage, { kind: 'storage', value: '<p>x</p>' });
  const adf = JSON.stringify({ type: 'doc', version: 1, content: [] });
  const nested = bodyFromWrite({ atlas_doc_format: { value: adf } });
  assert.deepEqual(nested, { kind: 'adf', value: adf });
  assert.equal(typeof bodyFromWrite({ representation: 'atlas_doc_format', value: '{not json' }), 'string');
  assert.equal(typeof bodyFromWrite({ representation: 'view', value: '<p/>' }), 'string');
  assert.equal(adfOf(nested as never), adf);
});
