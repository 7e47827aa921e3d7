// Runs an export's search the way a browser does, without one: the inline script of `search.html` and the index
// script, evaluated in a fresh V8 context with just the DOM they use. Returns the hrefs of the hits, best first.

import * as vm from 'node:vm';

interface FakeElement {
  value: string;
  href: string;
  className: string;
  textContent: string;
  children: FakeElement[];
  appendChild(child: FakeElement): void;
}

function element(): FakeElement {
  const children: FakeElement[] = [];
  return {
    value: '',
    href: '',
    className: '',
    textContent: '',
    children,
    appendChild: (child) => {
      children.push(child);
    },
  };
}

export function runExportSearch(searchHtml: string, indexScript: string, query: string): string[] {
  const inline = [...searchHtml.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  if (inline.length !== 1) throw new Error(`search.html has ${inline.length} inline scripts, expected 1`);
  const byId = new Map(['search-query', 'search-status', 'search-results'].map((id) => [id, element()]));
  const sandbox: Record<string, unknown> = {
    URLSearchParams,
    location: { search: `?q=${encodeURIComponent(query)}` },
    document: { getElementById: (id: string) => byId.get(id) ?? null, createElement: () => element() },
  };
  sandbox.window = sandbox;
  const context = vm.createContext(sandbox);
  vm.runInContext(indexScript, context);
  vm.runInContext(inline[0]!, context);
  return byId.get('search-results')!.children.map((li) => li.children[0]!.href);
}
