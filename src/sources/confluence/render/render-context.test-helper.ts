// An in-memory RenderContext for renderer tests: two spaces, a few pages and attachments, one user.

import type { ExportedAttachment, ExportedLink, RenderContext } from './render-context.ts';

export interface TestItem {
  id: string;
  spaceKey: string;
  title: string;
  type: 'page' | 'blogpost';
  attachments?: string[];
}

export const TEST_ITEMS: TestItem[] = [
  { id: '100', spaceKey: 'ENG', title: 'Home', type: 'page', attachments: ['diagram.png', 'notes.txt'] },
  { id: '101', spaceKey: 'ENG', title: 'Runbook', type: 'page', attachments: ['runbook.pdf'] },
  { id: '102', spaceKey: 'ENG', title: 'Release notes', type: 'blogpost' },
  { id: '200', spaceKey: 'OPS', title: 'On call', type: 'page', attachments: ['rota.png'] },
];

export function testRenderContext(
  current = TEST_ITEMS[0]!,
  siteUrl = 'https://acme.atlassian.net',
): RenderContext {
  const href = (item: TestItem): string => `../../${item.spaceKey}/pages/${item.id}.html`;
  const link = (item: TestItem | undefined): ExportedLink | undefined =>
    item ? { href: href(item), title: item.title } : undefined;
  const attachmentsOf = (item: TestItem): ExportedAttachment[] =>
    (item.attachments ?? []).map((name, i) => ({
      href: `../../${item.spaceKey}/attachments/${item.id}/att${item.id}${i}.${name.split('.').pop()}`,
      title: name,
    }));
  return {
    spaceKey: current.spaceKey,
    siteUrl,
    isSiteHost: (host) => host === new URL(siteUrl).hostname,
    contentById: (id, spaceKey) =>
      link(TEST_ITEMS.find((i) => i.id === id && (spaceKey === undefined || i.spaceKey === spaceKey))),
    contentByTitle: (spaceKey, title, type) =>
      link(TEST_ITEMS.find((i) => i.spaceKey === spaceKey && i.title === title && i.type === type)),
    space: (key) =>
      ['ENG', 'OPS'].includes(key) ? { href: `../../${key}/index.html`, title: key } : undefined,
    attachment: (filename, owner) => {
      const item = owner
        ? TEST_ITEMS.find(
            (i) => i.spaceKey === owner.spaceKey && i.title === owner.title && i.type === owner.type,
          )
        : current;
      return item ? attachmentsOf(item).find((a) => a.title === filename) : undefined;
    },
    attachments: () => attachmentsOf(current),
    children: () => [link(TEST_ITEMS[1]!)!],
    userName: (id) => (id === 'user-1' ? 'Ada Lovelace' : undefined),
  };
}
