// Asks the site about one item by id when it went missing between listing and fetch (a read of it failed, or a
// batch left it out). Only the API's own word makes it deleted: a 404 to the single read, or a status of
// `deleted`. Anything else — the item is there, or the lookup fails too (403, 5xx after retries) — is not a
// deletion, and the caller keeps the item's own failure (a partial snapshot naming it).

import { StepvaultError } from '../../common/errors.ts';
import type { BackupApi } from './read-api.ts';
import { isTreeItemType } from './record-mapping.ts';

export type LookupKind = 'page' | 'blogpost' | 'folder' | 'whiteboard' | 'database' | 'embed' | 'attachment';

/** Why the item counts as deleted, or undefined when the site did not confirm it. */
export async function confirmedDeleted(
  api: BackupApi,
  kind: LookupKind | string,
  id: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const options = signal ? { signal } : {};
  let status: string | null | undefined;
  try {
    if (kind === 'page')
      status = (
        await api.getPage(id, { ...options, statuses: ['current', 'archived', 'trashed', 'deleted'] })
      ).status;
    else if (kind === 'blogpost')
      status = (await api.getBlogPost(id, { ...options, statuses: ['current', 'trashed', 'deleted'] }))
        .status;
    else if (kind === 'attachment') status = (await api.getAttachment(id, options)).status;
    else if (isTreeItemType(kind)) status = (await api.getTreeItem(kind, id, options)).status;
    else return undefined;
  } catch (error) {
    signal?.throwIfAborted();
    if (error instanceof StepvaultError && error.code === 'not-found')
      return 'read alone after it went missing, the site answers 404';
    return undefined;
  }
  return status === 'deleted' ? 'read alone after it went missing, its status is deleted' : undefined;
}
