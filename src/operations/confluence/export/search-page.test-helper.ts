// Runs an export's search the way a browser does, without one: `search.html`'s scripts (the manifest, the inline
// script, the shards it loads) evaluated in a fresh V8 context with just the DOM they use.

import * as vm from 'node:vm';

interface FakeElement {
  value: string;
  href: string;
  src: string;
  className: string;
  textContent: string;
  children: FakeElement[];
  onload?: () => void;
  onerror?: () => void;
  appendChild(child: FakeElement): void;
}

function element(): FakeElement {
  const children: FakeElement[] = [];
  return {
    value: '',
    href: '',
    src: '',
    className: '',
    textContent: '',
    children,
    appendChild: (child) => {
      children.push(child);
    },
  };
}

/** What the search page shows: its status line and the hrefs of the hits, best first. */
export interface SearchOutcome {
  status: string;
  hrefs: string[];
}

/**
 * Runs `search.html` against an export's files (`file(path)` gives a script's text from the export's root, or
 * undefined when it is missing): the manifest first, as the page's <script src> does, then the inline script;
 * the shard scripts it adds to the body are run in turn, each followed by its onload (onerror when missing).
 */
export function searchExport(
  searchHtml: string,
  file: (path: string) => string | undefined,
  query: string,
): SearchOutcome {
  const inline = [...searchHtml.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  if (inline.length !== 1) throw new Error(`search.html has ${inline.length} inline scripts, expected 1`);
  const sources = [...searchHtml.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]!);
  const byId = new Map(['search-query', 'search-status', 'search-results'].map((id) => [id, element()]));
  const added: FakeElement[] = [];
  const body = element();
  body.appendChild = (child) => {
    added.push(child);
  };
  const sandbox: Record<string, unknown> = {
    URLSearchParams,
    location: { search: `?q=${encodeURIComponent(query)}` },
    document: { getElementById: (id: string) => byId.get(id) ?? null, createElement: () => element(), body },
  };
  sandbox.window = sandbox;
  const context = vm.createContext(sandbox);
  for (const src of sources) {
    const text = file(src);
    if (text === undefined) throw new Error(`search.html loads ${src}, which the export does not have`);
    vm.runInContext(text, context);
  }
  vm.runInContext(inline[0]!, context);
  for (let script = added.shift(); script; script = added.shift()) {
    const text = file(script.src);
    if (text === undefined) script.onerror?.();
    else {
      vm.runInContext(text, context);
      script.onload?.();
    }
  }
  return {
    status: byId.get('search-status')!.textContent,
    hrefs: byId.get('search-results')!.children.map((li) => li.children[0]!.href),
  };
}
