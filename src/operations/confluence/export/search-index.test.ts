import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as vm from 'node:vm';
import fc from 'fast-check';
import { searchEntry, searchIndexScript, searchPageHtml, searchTokens } from './search-index.ts';
import { runExportSearch } from './search-page.test-helper.ts';

const BODY = 'Ticket OPS-1234 is due 2026-12-01: run rotate.sh and close #2999. 東京タワー';

function search(query: string): string[] {
  const entries = [
    searchEntry('a.html', 'Key rotation', 'Ops', BODY),
    searchEntry('b.html', 'Other', 'Ops', 'ops 1234 stops 12345 2026 12 01 rotate sh 2999x'),
    searchEntry('c.html', 'Files', 'Ops', 'see the attachments', ['Q4 budget_v2.xlsx', 'архив-2026.zip']),
  ];
  return runExportSearch(searchPageHtml('site'), searchIndexScript(entries), query);
}

describe('export search', () => {
  it('finds identifiers, dates, file names and issue numbers as they are written', () => {
    for (const query of [
      'OPS-1234',
      'ops-1234',
      '2026-12-01',
      'rotate.sh',
      '#2999',
      'due 2026-12-01 OPS-1234',
    ])
      assert.deepEqual(search(query), ['a.html'], query);
  });

  it('still finds plain words, prefixes and CJK runs', () => {
    assert.deepEqual(search('ticket'), ['a.html']);
    assert.deepEqual(search('rotat'), ['a.html', 'b.html']);
    assert.deepEqual(search('タワー'), ['a.html']);
    assert.deepEqual(search('key ROTATION'), ['a.html']);
  });

  it('finds a page by the file names of its attachments', () => {
    assert.deepEqual(search('budget_v2.xlsx'), ['c.html']);
    assert.deepEqual(search('Архив-2026.zip'), ['c.html']);
    assert.deepEqual(search('q4'), ['c.html']);
  });

  it('splits queries with the very tokenizer that built the index', () => {
    const html = searchPageHtml('site');
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const source = searchTokens.toString();
    assert.ok(script.includes(`var searchTokens = ${source};`));
    const shipped = vm.runInNewContext(`(${source})`) as (text: string) => string[];
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('a', 'B', '1', '-', '.', '/', ':', '#', ' ', '_', 'é', 'ﬁ', '東', '\u0301'),
        }),
        (text) => {
          assert.deepEqual([...shipped(text)], searchTokens(text));
        },
      ),
    );
  });

  it('every token of a page, searched alone, finds the page', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'Z', '7', '-', '.', '#', ' ', 'ö', '東'), minLength: 1 }),
        (text) => {
          const html = searchPageHtml('site');
          const index = searchIndexScript([searchEntry('p.html', 'T', 'S', text)]);
          for (const token of searchTokens(text))
            assert.deepEqual(runExportSearch(html, index, token), ['p.html']);
        },
      ),
      { numRuns: 200 },
    );
  });
});
