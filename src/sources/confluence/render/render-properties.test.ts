import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { escapeText } from './html-escape.ts';
import { testRenderContext } from './render-context.test-helper.ts';
import { renderStorage } from './render-storage.ts';
import { safeHtmlProblems } from './safe-html.test-helper.ts';
import { classifyUrl } from './safe-url.ts';
import { tinyLinkId } from './wiki-links.ts';

const ctx = testRenderContext();

function assertSafe(input: string): void {
  const { html } = renderStorage(input, ctx);
  const problems = safeHtmlProblems(html);
  assert.deepEqual(problems, [], `input: ${JSON.stringify(input)}\noutput: ${html}`);
}

const NAMES = [
  'p',
  'a',
  'A',
  'img',
  'iMg',
  'script',
  'SCRIPT',
  'style',
  'div',
  'table',
  'td',
  'svg',
  'iframe',
  'object',
  'math',
  'h1',
  'h2',
  'time',
  'input',
  'form',
  'base',
  'meta',
  'link',
  'details',
  'ac:structured-macro',
  'ac:macro',
  'ac:link',
  'ac:image',
  'ri:page',
  'ri:blog-post',
  'ri:attachment',
  'ri:url',
  'ri:user',
  'ri:space',
  'ac:parameter',
  'ac:rich-text-body',
  'ac:plain-text-body',
  'ac:task-list',
  'ac:task',
  'ac:task-body',
  'ac:task-status',
  'ac:emoticon',
  'ac:link-body',
  'ac:plain-text-link-body',
  'ac:adf-extension',
  'ac:adf-fallback',
  'ac:layout',
  'ac:layout-cell',
  'ac:caption',
  'ac:inline-comment-marker',
];
const ATTRS = [
  'href',
  'src',
  'onclick',
  'onerror',
  'ONLOAD',
  'style',
  'ac:name',
  'ri:value',
  'ri:filename',
  'ri:content-title',
  'ri:space-key',
  'ri:account-id',
  'ri:content-id',
  'colspan',
  'id',
  'name',
  'datetime',
  'ac:width',
  'ac:anchor',
  'ac:emoji-fallback',
  'ac:alt',
  'title',
  'class',
  'formaction',
  'xlink:href',
  '__proto__',
];
const VALUES = [
  'javascript:alert(1)',
  ' jav&#x09;ascript:alert(1)',
  'jav\nascript:x',
  '&#106;avascript&#58;x',
  'data:text/html,x',
  'https://e.test/x',
  'http://acme.atlassian.net/wiki/spaces/ENG/pages/101',
  '/wiki/spaces/ENG/pages/101',
  '/wiki/x/ZQ',
  'code',
  'toc',
  'info',
  'expand',
  'status',
  'anchor',
  'view-file',
  'jira',
  'attachments',
  'x" onload="y',
  "x' onload='y",
  'color: red; background: url(javascript:x)',
  'width: expression(alert(1))',
  'Runbook',
  'diagram.png',
  '//evil.test/x',
  '\\\\evil.test',
  '/\\evil.test',
  'vbscript:x',
  '&#0;',
  '&bogus;',
  'complete',
  'tick',
  'user-1',
  'ENG',
  '#top',
  '  ',
  '<script>',
  ']]>',
  '"><script>alert(1)</script>',
];

const attrValue = fc.oneof(
  fc.constantFrom(...VALUES),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);
const quoteAttr = fc
  .tuple(fc.constantFrom(...ATTRS), attrValue, fc.constantFrom('"', "'", ''))
  .map(
    ([name, value, q]) =>
      ` ${name}=${q}${q === '' ? value.replace(/[\s>]/g, '') : value.replaceAll(q, '')}${q}`,
  );

const markup = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string({ maxLength: 16 }), fc.constantFrom(...VALUES)),
    fc.string({ maxLength: 16 }).map((t) => `<![CDATA[${t}]]>`),
    fc.constantFrom(
      '<!-- c -->',
      '<!--',
      '<![CDATA[',
      '</p>',
      '</ac:structured-macro>',
      '<',
      '&',
      '&amp;lt;',
      '/>',
      '"',
    ),
    fc
      .tuple(
        fc.constantFrom(...NAMES),
        fc.array(quoteAttr, { maxLength: 3 }),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.constantFrom('close', 'self', 'open'),
      )
      .map(([name, attrs, children, end]) =>
        end === 'self'
          ? `<${name}${attrs.join('')}/>`
          : `<${name}${attrs.join('')}>${children.join('')}${end === 'close' ? `</${name}>` : ''}`,
      ),
  ),
}));

describe('renderStorage properties', () => {
  it('the safety check itself flags unsafe HTML', () => {
    for (const bad of [
      '<p onclick="x">a</p>',
      '<a href="javascript:x">a</a>',
      '<script>x</script>',
      'a & b',
      '<img src="https://x.test/y.png">',
      '<a href="/wiki/x">a</a>',
      '<p>a < b</p>',
      '<p style="background:url(x)">a</p>',
    ]) {
      assert.notDeepEqual(safeHtmlProblems(bad), [], bad);
    }
  });

  it('never throws and stays safe on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), assertSafe), { numRuns: 2000 });
  });

  it('never throws and stays safe on hostile markup built from the storage grammar', () => {
    fc.assert(
      fc.property(fc.array(markup.node, { maxLength: 6 }), (nodes) => assertSafe(nodes.join(''))),
      { numRuns: 3000 },
    );
  });

  it('text in a paragraph comes out escaped and otherwise unchanged', () => {
    const xml = (t: string) =>
      t.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const expected = text.length > 0 ? escapeText(text.replaceAll('\0', '\ufffd')) : '';
        assert.equal(renderStorage(`<p>${xml(text)}</p>`, ctx).html, `<p>${expected}</p>`);
      }),
    );
  });

  it('classifyUrl never yields an absolute URL with an unsafe scheme', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom(...VALUES)), (raw) => {
        const shape = classifyUrl(raw);
        if (shape.kind === 'absolute')
          assert.ok(['http:', 'https:', 'mailto:', 'tel:'].includes(shape.url.protocol));
      }),
    );
  });

  it('tiny links decode to the id they encode', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }), (id) => {
        const bytes = Buffer.alloc(8);
        bytes.writeBigUInt64LE(id);
        const tiny = bytes
          .toString('base64')
          .replace(/=+$/, '')
          .replace(/A+$/, '')
          .replaceAll('/', '-')
          .replaceAll('+', '_');
        assert.equal(tinyLinkId(tiny), id.toString());
      }),
    );
  });
});
