import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as vm from 'node:vm';
import fc from 'fast-check';
import {
  SEARCH_SHARD_ENTRIES,
  type SearchEntry,
  searchEntry,
  searchIndexFiles,
  searchPageHtml,
  searchTokens,
} from './search-index.ts';
import { searchExport } from './search-page.test-helper.ts';

const BODY = 'Ticket OPS-1234 is due 2026-12-01: run rotate.sh and close #2999. 東京タワー';

function search(query: string): string[] {
  const entries = [
    searchEntry('a.html', 'Key rotation', 'Ops', BODY),
    searchEntry('b.html', 'Other', 'Ops', 'ops 1234 stops 12345 2026 12 01 rotate sh 2999x'),
    searchEntry('c.html', 'Files', 'Ops', 'see the attachments', ['Q4 budget_v2.xlsx', 'архив-2026.zip']),
  ];
  return hrefs(entries, query);
}

function hrefs(entries: SearchEntry[], query: string): string[] {
  const files = searchIndexFiles(entries);
  return searchExport(searchPageHtml('site'), (f) => files.get(f), query).hrefs;
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
          const files = searchIndexFiles([searchEntry('p.html', 'T', 'S', text)]);
          for (const token of searchTokens(text))
            assert.deepEqual(searchExport(html, (f) => files.get(f), token).hrefs, ['p.html']);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('loads the shards only for a query, searches them all, and says so when one is missing', () => {
    const entries = Array.from({ length: SEARCH_SHARD_ENTRIES * 2 + 5 }, (_, i) =>
      searchEntry(`p${i}.html`, `Page ${i}`, 'S', i % 1000 === 7 ? 'a rare word: zanzibar' : 'common text'),
    );
    const files = searchIndexFiles(entries);
    assert.equal(files.size, 4, 'three shards and the manifest');
    const html = searchPageHtml('site');
    const loaded: string[] = [];
    const reader = (f: string) => {
      loaded.push(f);
      return files.get(f);
    };
    assert.match(searchExport(html, reader, '').status, /^4005 pages in the index/);
    assert.deepEqual(loaded, ['assets/search-index.js'], 'no query: the manifest only');
    const found = searchExport(html, reader, 'zanzibar');
    assert.deepEqual(found.hrefs.sort(), ['p1007.html', 'p2007.html', 'p3007.html', 'p7.html']);
    assert.equal(found.status, '4 pages found.');
    const partial = searchExport(
      html,
      (f) => (f === 'assets/search/1.js' ? undefined : files.get(f)),
      'zanzibar',
    );
    assert.deepEqual(partial.hrefs.sort(), ['p1007.html', 'p7.html']);
    assert.match(partial.status, /^2 pages found\. 1 of 3 parts of the index could not be loaded/);
  });
});
