// What a Confluence backup changed compared with its parent snapshot, for the anomaly guard: pages and blog
// posts that were live (current or archived) in the parent and are gone or trashed now (deleted), and those
// whose version went up (changed). An item whose directory is the very subtree the parent had was reused
// unchanged and is not read at all; only the others' records are compared. The base of percentages is the
// number of content items in the parent.

import type { ContentChanges } from '../domain/anomaly.ts';
import type { StoredSnapshot } from '../domain/snapshot.ts';
import type { TreeNode } from '../domain/tree-node.ts';
import { ConfluenceSnapshotReader } from '../operations/confluence/snapshot-reader.ts';
import { BlobReader } from '../repository/blob-reader.ts';
import { loadIndexForReading } from '../repository/index/adopt-packs.ts';
import type { Repository } from '../repository/repository.ts';
import { type ContentRecord, paths } from '../sources/confluence/layout.ts';

const LIVE = new Set(['current', 'archived']);
const PAGES = new Set(['page', 'blogpost']);

function isLivePage(r: ContentRecord): boolean {
  return PAGES.has(r.type) && LIVE.has(r.status);
}

/** The changes of `snapshot` against `parent` (both Confluence snapshots of `repo`). */
export async function confluenceChanges(
  repo: Repository,
  snapshot: StoredSnapshot,
  parent: StoredSnapshot,
): Promise<ContentChanges> {
  const { index } = await loadIndexForReading(repo);
  const blobs = new BlobReader(repo, index);
  const after = ConfluenceSnapshotReader.from(blobs, snapshot);
  const before = ConfluenceSnapshotReader.from(blobs, parent);
  const changes: ContentChanges = { pagesBefore: 0, pagesDeleted: 0, pagesChanged: 0 };
  const dirs = (nodes: TreeNode[]) => new Map(nodes.filter((n) => n.type === 'dir').map((n) => [n.name, n]));
  for (const key of dirs(await before.list(paths.spaces())).keys()) {
    const was = dirs(await before.list(paths.contentDir(key)));
    const now = dirs(await after.list(paths.contentDir(key)));
    changes.pagesBefore += was.size;
    for (const [id, node] of was) {
      const current = now.get(id);
      if (current && current.subtree === node.subtree) continue;
      const old = await before.item(key, id);
      if (!isLivePage(old)) continue;
      if (!current) {
        changes.pagesDeleted++;
        continue;
      }
      const next = await after.item(key, id);
      if (!LIVE.has(next.status)) changes.pagesDeleted++;
      else if (next.version.number > old.version.number) changes.pagesChanged++;
    }
  }
  return changes;
}
