import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeEntities } from './html-entities.ts';
import { htmlEntityTable, type NamedReference } from './html-entity-table.test-helper.ts';

let table: NamedReference[] = [];
before(async () => {
  table = await htmlEntityTable();
});

describe('decodeEntities', () => {
  it('knows all 2,231 entries of HTML5 table (2,125 names with `;`, 106 of them also without)', () => {
    assert.equal(table.length, 2125);
    assert.equal(table.filter((entry) => entry.legacy).length, 106);
    for (const { name, characters } of table) assert.equal(decodeEntities(`&${name};`), characters, name);
  });

  it('decodes names beyond the few the editor writes most', () => {
    assert.equal(
      decodeEntities('&aring;ngstr&ouml;m &Afr; &NotEqualTilde; &CounterClockwiseContourIntegral;'),
      'ångström 𝔄 \u2242\u0338 ∳',
    );
  });

  it('leaves unknown names, prefixes of names and references without `;` as text', () => {
    assert.equal(
      decodeEntities('&notit; &amp &aring &constructor; &__proto__; &'),
      '&notit; &amp &aring &constructor; &__proto__; &',
    );
  });

  it('keeps its numeric references: no windows-1252 remapping, U+FFFD for what is not a character', () => {
    assert.equal(
      decodeEntities('&#128;&#x9F;&#0;&#xD800;&#x110000;&#xFFFE;&#229;&#xE5;'),
      '\u0080\u009f\ufffd\ufffd\ufffd\ufffd\u00e5\u00e5',
    );
  });

  it('decodes any mix of text and references as the table says', () => {
    const names = new Set(table.map((entry) => entry.name));
    const plain = fc.string({ unit: fc.constantFrom('a', 'Z', '9', ' ', ';', '#', '<', 'é', '😀', '\n') });
    const named = fc.constantFrom(...table).map(({ name, characters }) => [`&${name};`, characters] as const);
    const unknown = fc
      .stringMatching(/^[A-Za-z][A-Za-z0-9]{1,31}$/)
      .filter((name) => !names.has(name))
      .map((name) => [`&${name};`, `&${name};`] as const);
    const unterminated = fc.constantFrom(...table).map(({ name }) => [`&${name} `, `&${name} `] as const);
    const numeric = fc
      .oneof(
        fc.integer({ min: 1, max: 0xd7ff }),
        fc.integer({ min: 0xe000, max: 0xfffd }),
        fc.integer({ min: 0x10000, max: 0x10ffff }),
      )
      .chain((code) =>
        fc.constantFrom(
          [`&#${code};`, String.fromCodePoint(code)] as const,
          [`&#x${code.toString(16)};`, String.fromCodePoint(code)] as const,
        ),
      );
    const piece = fc.oneof(
      plain.map((text) => [text, text] as const),
      named,
      unknown,
      unterminated,
      numeric,
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        // Plain text holds no `&` and every reference ends in `;` or a space, so pieces never run into one another.
        const input = pieces.map(([source]) => source).join('');
        const expected = pieces.map(([, decoded]) => decoded).join('');
        assert.equal(decodeEntities(input), expected);
      }),
      { numRuns: 2000 },
    );
  });
});
