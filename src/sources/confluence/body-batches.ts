// Fetches the bodies of many pages and blog posts in batches (`GET /pages?id=…&id=…&body-format=…`, 250 ids a
// request, several batches at once) and makes both representations agree: storage and ADF come from separate
// requests, and a page edited in between would otherwise be stored with bodies of two versions. Each round
// fetches the representations that are older than the newest version seen, up to a few rounds. A batch that
// fails is split in halves until the failing ids are alone, so one unreadable page does not fail 249 others.

import { forEachConcurrently } from '../../common/concurrency.ts';
import type { BodyFormat } from './client/client-types.ts';
import type { BlogPost, Page } from './client/records.ts';
import type { ContentRecord } from './layout.ts';
import type { BackupApi } from './read-api.ts';
import { blogPostRecord, pageRecord } from './record-mapping.ts';

export const BATCH_SIZE = 250;
const ROUNDS = 4;
const PARALLEL_BATCHES = 4;

export interface BodyState {
  type: 'page' | 'blogpost';
  /** Version numbers of the bodies held so far, by format. */
  storage?: number | undefined;
  adf?: number | undefined;
  /** The newest version number known (listing or a fetched body). */
  newest: number;
}

export interface BodySink {
  /** A body of `record.version.number`; `record` is the item as the batch returned it. */
  body(id: string, format: BodyFormat, value: string, record: ContentRecord): Promise<void>;
  /** The item is no longer there (purged or made invisible since it was listed). */
  vanished(id: string): void;
  failed(id: string, error: unknown): void;
}

/** Brings every item in `states` to one version for both formats; mutates `states` as bodies arrive. */
export async function fetchBodies(
  api: BackupApi,
  states: Map<string, BodyState>,
  sink: BodySink,
  signal?: AbortSignal,
): Promise<void> {
  const failed = new Set<string>();
  const vanished = new Set<string>();
  for (let round = 0; round < ROUNDS; round++) {
    const work: { type: 'page' | 'blogpost'; format: BodyFormat; ids: string[] }[] = [];
    for (const type of ['page', 'blogpost'] as const) {
      for (const format of ['storage', 'atlas_doc_format'] as const) {
        const key = format === 'storage' ? 'storage' : 'adf';
        const ids: string[] = [];
        for (const [id, s] of states) {
          if (s.type !== type || failed.has(id) || vanished.has(id)) continue;
          if (s[key] === undefined || s[key] < s.newest) ids.push(id);
        }
        for (let i = 0; i < ids.length; i += BATCH_SIZE)
          work.push({ type, format, ids: ids.slice(i, i + BATCH_SIZE) });
      }
    }
    if (work.length === 0) break;
    await forEachConcurrently(work, PARALLEL_BATCHES, async ({ type, format, ids }) => {
      await fetchBatch(api, type, format, ids, signal, async (item) => {
        const record = type === 'page' ? pageRecord(item as Page) : blogPostRecord(item as BlogPost);
        const state = states.get(item.id);
        const value = item.body?.[format]?.value;
        if (!state || value === undefined || value === null) return;
        const version = record.version.number;
        state.newest = Math.max(state.newest, version);
        if (version < state.newest) return; // an older version than one already seen: fetched again next round
        state[format === 'storage' ? 'storage' : 'adf'] = version;
        await sink.body(item.id, format, value, record);
      }).then(({ missing, errors }) => {
        for (const id of missing) vanished.add(id);
        for (const [id, error] of errors) {
          failed.add(id);
          sink.failed(id, error);
        }
      });
    });
  }
  for (const id of vanished) sink.vanished(id);
  for (const [id, s] of states) {
    if (failed.has(id) || vanished.has(id)) continue;
    if (s.storage !== s.newest || s.adf !== s.newest)
      sink.failed(id, new Error(`the page changed ${ROUNDS} times while its bodies were read`));
  }
}

async function fetchBatch(
  api: BackupApi,
  type: 'page' | 'blogpost',
  format: BodyFormat,
  ids: string[],
  signal: AbortSignal | undefined,
  each: (item: Page | BlogPost) => Promise<void>,
): Promise<{ missing: string[]; errors: Map<string, unknown> }> {
  const errors = new Map<string, unknown>();
  const missing: string[] = [];
  const run = async (part: string[]): Promise<void> => {
    let items: (Page | BlogPost)[];
    try {
      const options = { bodyFormat: format, ...(signal ? { signal } : {}) };
      items =
        type === 'page' ? await api.getPagesByIds(part, options) : await api.getBlogPostsByIds(part, options);
    } catch (error) {
      signal?.throwIfAborted();
      if (part.length === 1) {
        errors.set(part[0]!, error);
        return;
      }
      const half = Math.ceil(part.length / 2);
      await run(part.slice(0, half));
      await run(part.slice(half));
      return;
    }
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(item.id);
      await each(item);
    }
    for (const id of part) if (!seen.has(id)) missing.push(id);
  };
  await run(ids);
  return { missing, errors };
}
