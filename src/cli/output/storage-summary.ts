// What a command's storage requests cost, for the summaries of the commands that read or write a repository
// (backup, restore, check, copy, prune, forget): requests, retries, throttled answers and bytes, as a `storage`
// object in the --json summary and, when requests had to be retried, one line for people. Only backends that count
// their requests (`Backend.requestStats`: remote ones) have anything to say; a local repository adds nothing.

import { formatBytes } from '../../common/bytes.ts';
import type { Backend, RequestStats } from '../../storage/contract.ts';

/** The `storage` (or `from_storage`) object of a --json summary. */
export interface StorageFields {
  requests: number;
  retries: number;
  throttled: number;
  bytes_sent: number;
  bytes_received: number;
}

export interface StorageSummary {
  /** To spread into the summary message: `{}` when no backend counts its requests. */
  fields: { storage?: StorageFields; from_storage?: StorageFields };
  /** Lines for people: one per backend whose requests were retried, none otherwise. */
  lines: string[];
}

function fieldsOf(stats: RequestStats): StorageFields {
  return {
    requests: stats.requests,
    retries: stats.retries,
    throttled: stats.throttled,
    bytes_sent: stats.bytesSent,
    bytes_received: stats.bytesReceived,
  };
}

/** "storage: 40 of 1210 requests retried (31 throttled); 12.0 MiB sent, 3.00 MiB received" */
export function storageLine(label: string, stats: RequestStats): string {
  const throttled = stats.throttled > 0 ? ` (${stats.throttled} throttled)` : '';
  return `${label}: ${stats.retries} of ${stats.requests} requests retried${throttled}; ${formatBytes(stats.bytesSent)} sent, ${formatBytes(stats.bytesReceived)} received`;
}

/**
 * The storage part of a summary, as of now: of the repository's backend and, for commands that read a second
 * repository (copy's --from-repo), of that one's as `from_storage`.
 */
export function storageSummary(repository: Backend, from?: Backend): StorageSummary {
  const summary: StorageSummary = { fields: {}, lines: [] };
  const own = repository.requestStats?.();
  if (own) {
    summary.fields.storage = fieldsOf(own);
    if (own.retries > 0) summary.lines.push(storageLine('storage', own));
  }
  const theirs = from?.requestStats?.();
  if (theirs) {
    summary.fields.from_storage = fieldsOf(theirs);
    if (theirs.retries > 0) summary.lines.push(storageLine('source storage', theirs));
  }
  return summary;
}
