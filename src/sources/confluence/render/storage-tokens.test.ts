import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeEntities } from './html-entities.ts';
import { type StorageToken, tokenizeStorage } from './storage-tokens.ts';
import { parseStorage, textOf } from './storage-tree.ts';

const tokens = (s: string): StorageToken[] => [...tokenizeStorage(s)];

describe('tokenizeStorage', () => {
  it('reads tags with namespaced names and all attribute quotings', () => {
    assert.deepEqual(tokens(`<ac:Link ac:anchor='a "b"' x=1 flag/>`), [
      {
        kind: 'start',
        name: 'ac:link',
        attrs: new Map([
          ['ac:anchor', 'a "b"'],
          ['x', '1'],
          ['flag', ''],
        ]),
        selfClosing: true,
      },
    ]);
  });

  it('decodes entities in text and attributes, keeps CDATA verbatim, skips comments and declarations', () => {
    assert.deepEqual(
      tokens('<?xml version="1.0"?><!DOCTYPE x>a&amp;b&#x1F600;<!-- no --><![CDATA[&amp;<]]>'),
      [
        { kind: 'text', text: 'a&b😀' },
        { kind: 'text', text: '&amp;<' },
      ],
    );
  });

  it('treats what is not a tag as text', () => {
    assert.deepEqual(tokens('a < b </ c <1>'), [
      { kind: 'text', text: 'a ' },
      { kind: 'text', text: '<' },
      { kind: 'text', text: ' b ' },
      { kind: 'text', text: '<' },
      { kind: 'text', text: '/ c ' },
      { kind: 'text', text: '<' },
      { kind: 'text', text: '1>' },
    ]);
    assert.deepEqual(tokens('x<p title="open'), [
      { kind: 'text', text: 'x' },
      { kind: 'text', text: '<p title="open' },
    ]);
  });

  it('replaces NUL and invalid code points', () => {
    assert.deepEqual(tokens('a\0&#0;&#xD800;&#x110000;'), [
      { kind: 'text', text: 'a\ufffd\ufffd\ufffd\ufffd' },
    ]);
  });

  it('keeps unknown entity names literally', () => {
    assert.equal(decodeEntities('&bogus; &constructor; &nbsp;'), '&bogus; &constructor; \u00a0');
  });

  it('is linear on many unterminated tags', () => {
    const input = '<a '.repeat(200_000);
    assert.equal(tokens(input).length, 1);
  });
});

describe('parseStorage', () => {
  it('closes elements left open and ignores stray end tags', () => {
    const root = parseStorage('<p><b>x</p></i>y');
    assert.equal(root.children.length, 2);
    assert.equal(textOf(root), 'xy');
  });

  it('never loses text, whatever the markup', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('<p>', '</p>', '<b>', '</b>', '<br>', 'x', 'y', '<ac:task>', '</ac:task>')),
        (parts) => {
          const input = parts.join('');
          const letters = input.replace(/<[^>]*>/g, '');
          assert.equal(textOf(parseStorage(input)), letters);
        },
      ),
    );
  });
});
