// The export's client-side search. Every page contributes its title, space, a snippet and the distinct search
// tokens of its title, body and attachment file names to an index written as scripts, since browsers refuse
// fetch() on file:// but load a <script src>: shards of at most SEARCH_SHARD_ENTRIES pages
// (`assets/search/<n>.js`) and a small manifest (`assets/search-index.js`) naming them. `search.html` loads the
// manifest only; when there is a query, its small inline script loads the shards one after another (a page
// without a query loads none, and no single string holds the whole site's index), splits the query with the same
// tokenizer (`searchTokens`, shipped as its own source text), matches every token against titles and words
// (substrings, so prefixes and runs of CJK text match too), then lists the hits with DOM text nodes only: a
// hostile title can never become markup. A shard that fails to load is said so on the page.

import { layoutHtml, SEARCH_PAGE } from './html-layout.ts';

export const SEARCH_INDEX_SCRIPT = 'assets/search-index.js';
/** Pages per shard of the index: ~1–3 MB of script each for typical pages. */
export const SEARCH_SHARD_ENTRIES = 2000;

/** Where shard `n` of the index is written, from the export's root. */
export function searchShardFile(n: number): string {
  return `assets/search/${n}.js`;
}

/** One page in the index: [href from the root, title, space name, words, snippet]. */
export type SearchEntry = [string, string, string, string, string];

const MAX_WORD_CHARS = 100_000;
const SNIPPET_CHARS = 200;

/**
 * The search tokens of a text, in order, repeats kept: NFKC, lower case, every run of letters, digits, marks and
 * `_`, and also every chain of such runs joined by one of `-./:@+`, or led by `#`, as a whole (`OPS-1234` gives
 * `ops`, `1234` and `ops-1234`; `#2999` gives `2999` and `#2999`), so identifiers, dates, file names and issue
 * numbers are found as typed. The index and the query are both split
 * by this one function: `search.html` carries its source text, so it must stay self-contained (no imports, no
 * names from this module) and in syntax every browser runs.
 */
export function searchTokens(text: string): string[] {
  const chains = text
    .normalize('NFKC')
    .toLowerCase()
    .match(/#?[\p{L}\p{N}\p{M}_]+(?:[-./:@+][\p{L}\p{N}\p{M}_]+)*/gu);
  const tokens: string[] = [];
  for (const chain of chains ?? []) {
    const parts = chain.split(/[-./:@+#]/).filter((part) => part !== '');
    tokens.push(...parts);
    if (parts[0] !== chain) tokens.push(chain);
  }
  return tokens;
}

/** The distinct search tokens of a text, space-separated (bounded in length). */
export function searchWords(text: string): string {
  const seen = new Set<string>();
  let length = 0;
  for (const word of searchTokens(text)) {
    if (seen.has(word)) continue;
    if (length + word.length + 1 > MAX_WORD_CHARS) break;
    seen.add(word);
    length += word.length + 1;
  }
  return [...seen].join(' ');
}

/** A page's entry: its words come from the title, the body's text and the file names of its attachments. */
export function searchEntry(
  href: string,
  title: string,
  space: string,
  text: string,
  attachmentNames: readonly string[] = [],
): SearchEntry {
  const snippet = text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}…` : text;
  return [href, title, space, searchWords(`${title}\n${text}\n${attachmentNames.join('\n')}`), snippet];
}

/** JSON that cannot end a script early: `<` and line separators escaped. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The manifest script: how many pages the index holds and its shards' files, in order. */
export function searchManifestScript(pages: number, shards: readonly string[]): string {
  return `window.STEPVAULT_SEARCH_INDEX = ${scriptJson({ pages, shards })};\n`;
}

/** One shard as a script that hands its entries to the search page. */
export function searchShardScript(entries: readonly SearchEntry[]): string {
  return `window.STEPVAULT_SEARCH_SHARD(${scriptJson(entries)});\n`;
}

/** The index of `entries` as files by path (manifest and shards), for callers that hold all entries at once. */
export function searchIndexFiles(entries: readonly SearchEntry[]): Map<string, string> {
  const files = new Map<string, string>();
  for (let at = 0; at < entries.length; at += SEARCH_SHARD_ENTRIES)
    files.set(searchShardFile(files.size), searchShardScript(entries.slice(at, at + SEARCH_SHARD_ENTRIES)));
  files.set(SEARCH_INDEX_SCRIPT, searchManifestScript(entries.length, [...files.keys()]));
  return files;
}

const SEARCH_SCRIPT = `(function () {
  var searchTokens = ${searchTokens.toString()};
  var manifest = window.STEPVAULT_SEARCH_INDEX || { pages: 0, shards: [] };
  var query = new URLSearchParams(location.search).get('q') || '';
  var input = document.getElementById('search-query');
  var status = document.getElementById('search-status');
  var results = document.getElementById('search-results');
  input.value = query;
  var terms = searchTokens(query).filter(function (term, at, all) { return all.indexOf(term) === at; });
  if (terms.length === 0) {
    status.textContent = manifest.pages + ' pages in the index. Type words to search.';
    return;
  }
  var hits = [];
  var failed = 0;
  var next = 0;
  window.STEPVAULT_SEARCH_SHARD = function (index) {
    for (var i = 0; i < index.length; i++) {
      var e = index[i];
      var title = e[1].normalize('NFKC').toLowerCase();
      var score = 0;
      for (var t = 0; t < terms.length; t++) {
        if (title.indexOf(terms[t]) >= 0) score += 10;
        else if (e[3].indexOf(terms[t]) >= 0) score += 1;
        else { score = -1; break; }
      }
      if (score > 0) hits.push({ entry: e, score: score });
    }
  };
  function load() {
    if (next >= manifest.shards.length) return show();
    var script = document.createElement('script');
    script.src = manifest.shards[next++];
    script.onload = load;
    script.onerror = function () { failed++; load(); };
    document.body.appendChild(script);
  }
  function show() {
    hits.sort(function (a, b) { return b.score - a.score || a.entry[1].localeCompare(b.entry[1]); });
    status.textContent = (hits.length === 1 ? '1 page found.' : hits.length + ' pages found.') +
      (failed > 0 ? ' ' + failed + ' of ' + manifest.shards.length + ' parts of the index could not be loaded: some pages may be missing.' : '');
    for (var h = 0; h < hits.length && h < 500; h++) {
      var entry = hits[h].entry;
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = entry[0];
      a.textContent = entry[1];
      var space = document.createElement('span');
      space.className = 'result-space';
      space.textContent = ' · ' + entry[2];
      var snippet = document.createElement('p');
      snippet.className = 'result-snippet';
      snippet.textContent = entry[4];
      li.appendChild(a);
      li.appendChild(space);
      li.appendChild(snippet);
      results.appendChild(li);
    }
  }
  status.textContent = 'Searching…';
  load();
})();`;

export function searchPageHtml(siteName: string): string {
  const main =
    `<h1>Search</h1>` +
    `<form class="search-page-form" action="${SEARCH_PAGE}" method="get" role="search">` +
    `<input id="search-query" type="search" name="q" aria-label="Search words"> <button type="submit">Search</button></form>` +
    `<p id="search-status" role="status"></p><ol id="search-results" class="search-results"></ol>` +
    `<noscript><p class="note">Search needs JavaScript; the space indexes list every page.</p></noscript>`;
  return layoutHtml({
    title: `Search · ${siteName}`,
    root: '',
    siteName,
    crumbs: [{ href: 'index.html', text: 'Spaces' }, { text: 'Search' }],
    main,
    scripts: [SEARCH_INDEX_SCRIPT],
    inlineScript: SEARCH_SCRIPT,
  });
}
