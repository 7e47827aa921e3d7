// Collects the export's search entries without holding them: each waits on disk (a sealed DiskSpool) in the
// shard its page's position in the export gives it, and `write` writes the shards one at a time, then the
// manifest. The export's memory for search stays that of one shard, however large the site.

import { DiskSpool } from '../../../common/disk-spool.ts';
import type { ExportTarget } from './export-target.ts';
import {
  SEARCH_INDEX_SCRIPT,
  SEARCH_SHARD_ENTRIES,
  type SearchEntry,
  searchManifestScript,
  searchShardFile,
  searchShardScript,
} from './search-index.ts';

export class SearchIndexWriter {
  readonly #spool = new DiskSpool<SearchEntry>();
  #pages = 0;
  #lastShard = -1;

  /** The entry of the page at `position` in the export's order of pages (positions are unique). */
  add(position: number, entry: SearchEntry): void {
    const shard = Math.floor(position / SEARCH_SHARD_ENTRIES);
    this.#spool.put(String(position), String(shard), 0, entry);
    this.#pages++;
    this.#lastShard = Math.max(this.#lastShard, shard);
  }

  /** Writes the shards (entries sorted by path within each, so the output is the same every run) and the manifest. */
  async write(target: ExportTarget): Promise<void> {
    try {
      const files: string[] = [];
      for (let shard = 0; shard <= this.#lastShard; shard++) {
        const entries = this.#spool.group(String(shard));
        if (entries.length === 0) continue;
        entries.sort((a, b) => a[0].localeCompare(b[0]));
        const file = searchShardFile(files.length);
        await target.writeFile(file, searchShardScript(entries));
        files.push(file);
      }
      await target.writeFile(SEARCH_INDEX_SCRIPT, searchManifestScript(this.#pages, files));
    } finally {
      this.#spool.close();
    }
  }

  /** Drops what was collected (an export that fails before `write`). */
  [Symbol.dispose](): void {
    this.#spool.close();
  }
}
