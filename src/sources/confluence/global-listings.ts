// The read API of a backup from a ConfluenceClient: the client itself now offers the site-wide listings, so this
// only narrows its type. Kept while callers move to passing the client directly.

import type { ConfluenceClient } from './client/client.ts';
import type { BackupApi } from './read-api.ts';

export function backupApi(client: ConfluenceClient, _options?: unknown): BackupApi {
  return client;
}
