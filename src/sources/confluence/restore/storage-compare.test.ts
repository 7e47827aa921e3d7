import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
// The simulator's model of how Cloud keeps a body it was sent: the comparison must see through exactly that.
import { cloudSpelling } from '../../../../devtools/confluence-sim/bodies.ts';
import { comparableStorage, sameStorage } from './storage-compare.ts';

const text = fc.stringMatching(/^[a-z &;"=/.0-9-]{0,12}$/);
const piece = fc.oneof(
  text.map((t) => t.replaceAll('&', '&amp;')),
  fc.constantFrom('<br>', '<br/>', '<br />', '<hr/>', '<p>', '</p>', '<strong>', '</strong>'),
  fc
    .tuple(fc.constantFrom('code', 'info', 'status'), fc.boolean())
    .map(
      ([name, withId]) =>
        `<ac:structured-macro ac:name="${name}"${withId ? ' ac:macro-id="a1b2"' : ''}><ac:parameter ac:name="title">x</ac:parameter></ac:structured-macro>`,
    ),
  text.map((t) => `<ac:plain-text-body><![CDATA[${t} local-id="1" <br>]]></ac:plain-text-body>`),
  text.map((t) => `<ri:page ri:content-title="${t.replaceAll('"', '')}" />`),
);
const body = fc.array(piece, { maxLength: 40 }).map((parts) => parts.join(''));

describe('storage bodies compared as Cloud spells them', () => {
  it('ignores the ids, attributes and void-element spelling Cloud adds on write', () => {
    const sent =
      '<p>a<br>b<br/>c</p><ac:structured-macro ac:name="info"><ac:rich-text-body><p>x</p></ac:rich-text-body></ac:structured-macro><p local-id="9f">d</p><ri:user ri:account-id="1"/>';
    const stored =
      '<p>a<br />b<br />c</p><ac:structured-macro ac:name="info" ac:schema-version="1" ac:macro-id="5e0c"><ac:rich-text-body><p>x</p></ac:rich-text-body></ac:structured-macro><p>d</p><ri:user ri:account-id="1" />';
    assert.ok(sameStorage(sent, stored));
  });

  it('sees every change of text, element or attribute value, and leaves CDATA as it is', () => {
    const page = '<p>a<br />b</p><ac:structured-macro ac:name="code" ac:macro-id="1">x</ac:structured-macro>';
    assert.ok(!sameStorage(page, page.replace('a<br', 'A<br')));
    assert.ok(!sameStorage(page, page.replace('<p>', '<h1>').replace('</p>', '</h1>')));
    assert.ok(!sameStorage(page, page.replace('ac:name="code"', 'ac:name="noformat"')));
    assert.ok(!sameStorage(page, page.replace('<p>a', '<p> a')));
    const code = (s: string) => `<ac:plain-text-body><![CDATA[${s}]]></ac:plain-text-body>`;
    assert.ok(!sameStorage(code('<br>'), code('<br />')));
    assert.ok(!sameStorage(code('x local-id="1"'), code('x')));
  });

  it('holds for any body written and read back in Cloud spelling, and only then (property)', () => {
    fc.assert(
      fc.property(body, (b) => {
        assert.ok(sameStorage(b, cloudSpelling(b)));
        assert.equal(comparableStorage(comparableStorage(b)), comparableStorage(b));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(body, fc.nat(), (b, at) => {
        // one more character of text anywhere outside a tag is a change
        const cut = b.split(/(?=<)|(?<=>)/);
        const i = at % (cut.length + 1);
        const changed = [...cut.slice(0, i), 'Z', ...cut.slice(i)].join('');
        assert.ok(!sameStorage(b, cloudSpelling(changed)));
      }),
      { numRuns: 500 },
    );
  });
});
