import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  anchorFor,
  escapeXmlText,
  type InlineAnchor,
  inlineMarkers,
  textOccurrences,
  unwrapMarkers,
} from './inline-anchors.ts';

const marker = (ref: string, text: string) =>
  `<ac:inline-comment-marker ac:ref="${ref}">${text}</ac:inline-comment-marker>`;

/** What Confluence does when an inline comment is created: wrap the chosen occurrence in a marker. */
function place(body: string, anchor: InlineAnchor, ref: string): string {
  const needle = escapeXmlText(anchor.textSelection);
  const found = textOccurrences(body, needle);
  assert.equal(found.length, anchor.textSelectionMatchCount, 'match count');
  const at = found[anchor.textSelectionMatchIndex];
  assert.ok(at !== undefined, 'match index');
  return `${body.slice(0, at)}${marker(ref, needle)}${body.slice(at + needle.length)}`;
}

test('markers are listed and unwrapped', () => {
  const body = `<p>one ${marker('a', 'two')} three ${marker('b', 'four &amp; five')}</p>`;
  assert.deepEqual(inlineMarkers(body), [
    { ref: 'a', inner: 'two' },
    { ref: 'b', inner: 'four &amp; five' },
  ]);
  assert.equal(unwrapMarkers(body), '<p>one two three four &amp; five</p>');
  assert.equal(
    unwrapMarkers(body, (ref) => ref === 'b'),
    `<p>one ${marker('a', 'two')} three four &amp; five</p>`,
  );
});

test('occurrences skip tags, attributes and CDATA', () => {
  const body = '<p title="word">word <b>word</b></p><![CDATA[word]]><p>wo</p><p>rd</p>';
  assert.deepEqual(textOccurrences(body, 'word'), [16, 24]);
});

test('the anchor names the occurrence the marker was on', () => {
  const body = `<p>alpha beta alpha</p><p>${marker('m1', 'alpha')} gamma alpha</p>`;
  const outcome = anchorFor(body, 'm1', 'alpha', new Set());
  assert.deepEqual(outcome, {
    ok: true,
    anchor: { textSelection: 'alpha', textSelectionMatchCount: 4, textSelectionMatchIndex: 2 },
  });
});

test('anchors that cannot be placed say why', () => {
  const body = `<p>${marker('m1', 'changed text')}</p>`;
  assert.deepEqual(anchorFor(body, 'm1', 'original text', new Set()), {
    ok: false,
    reason: 'the highlighted text no longer matches the page',
  });
  assert.equal(anchorFor(body, 'zz', 'x', new Set()).ok, false);
  assert.equal(anchorFor(body, 'm1', '', new Set()).ok, false);
});

test('property: unwrapping every marker and placing the comments in any order rebuilds the body', () => {
  const word = fc.constantFrom('alpha', 'beta', 'gamma', 'a&b', "it's", 'x');
  const segment = fc.record({
    words: fc.array(word, { minLength: 1, maxLength: 3 }),
    marked: fc.boolean(),
    tag: fc.constantFrom('p', 'strong', 'li'),
  });
  fc.assert(
    fc.property(fc.array(segment, { minLength: 1, maxLength: 12 }), fc.integer(), (segments, seed) => {
      const selections = new Map<string, string>();
      const body = segments
        .map((s, i) => {
          const plain = s.words.join(' ');
          const escaped = escapeXmlText(plain);
          if (!s.marked) return `<${s.tag}>${escaped} </${s.tag}>`;
          const ref = `ref-${i}`;
          selections.set(ref, plain);
          return `<${s.tag}>${marker(ref, escaped)} </${s.tag}>`;
        })
        .join('');
      const refs = [...selections.keys()];
      // A seeded shuffle: comments may be created in any order.
      const order = refs
        .map((ref, i) => ({ ref, key: (Math.imul(i + 1, 2654435761) ^ seed) >>> 0 }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.ref);
      let target = unwrapMarkers(body);
      const placed = new Set<string>();
      for (const ref of order) {
        const outcome = anchorFor(body, ref, selections.get(ref)!, placed);
        assert.ok(outcome.ok, `anchor for ${ref}`);
        target = place(target, outcome.anchor, ref);
        placed.add(ref);
      }
      assert.equal(target, body);
    }),
  );
});
