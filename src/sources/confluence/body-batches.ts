// Fetches the bodies of many pages and blog posts in batches (`GET /pages?id=…&id=…&body-format=…`, 250 ids a
// request, several batches at once) and makes both representations agree: storage and ADF come from separate
// requests, and a page edited in between would otherwise be stored with bodies of two versions. Each round
// fetches the representations that are older than the newest version seen, up to a few rounds. A batch that
// fails is split in halves until the failing ids are alone, so one unreadable page does not fail 249 others.
// An id a batch read leaves out (or returns without its body) is read alone (one GET per format, every status): it counts as deleted only
// when that read says so (404, or status `deleted`); a read that fails otherwise is a failure of that item,
// and one that finds it gives its bodies as the batch would have.

import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
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
  /** Left out of a batch read, and a read of it alone confirmed it gone: `reason` says how. */
  deleted(id: string, reason: string): void;
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
  /** Left out of a batch: read alone once the batch rounds are over. */
  const leftOut = new Set<string>();
  const deleted = new Set<string>();
  const accept = async (item: Page | BlogPost, format: BodyFormat, value: string): Promise<void> => {
    const state = states.get(item.id);
    if (!state) return;
    const record = state.type === 'page' ? pageRecord(item as Page) : blogPostRecord(item as BlogPost);
    const version = record.version.number;
    state.newest = Math.max(state.newest, version);
    if (version < state.newest) return; // an older version than one already seen: fetched again next round
    state[format === 'storage' ? 'storage' : 'adf'] = version;
    await sink.body(item.id, format, value, record);
  };
  for (let round = 0; round < ROUNDS; round++) {
    const work: { type: 'page' | 'blogpost'; format: BodyFormat; ids: string[] }[] = [];
    for (const type of ['page', 'blogpost'] as const) {
      for (const format of FORMATS) {
        const ids: string[] = [];
        for (const [id, s] of states) {
          if (s.type !== type || failed.has(id) || leftOut.has(id)) continue;
          if (behind(s, format)) ids.push(id);
        }
        for (let i = 0; i < ids.length; i += BATCH_SIZE)
          work.push({ type, format, ids: ids.slice(i, i + BATCH_SIZE) });
      }
    }
    if (work.length === 0) break;
    await forEachConcurrently(work, PARALLEL_BATCHES, async ({ type, format, ids }) => {
      await fetchBatch(api, type, format, ids, signal, async (item) => {
        const value = item.body?.[format]?.value;
        // Returned without the body asked for: read alone, as if left out.
        if (value === undefined || value === null) leftOut.add(item.id);
        else await accept(item, format, value);
      }).then(({ missing, errors }) => {
        for (const id of missing) leftOut.add(id);
        for (const [id, error] of errors) {
          failed.add(id);
          sink.failed(id, error);
        }
      });
    });
  }
  await forEachConcurrently([...leftOut], PARALLEL_BATCHES, async (id) => {
    const outcome = await readAlone(api, id, states.get(id)!, accept, signal);
    if (outcome.kind === 'deleted') {
      deleted.add(id);
      sink.deleted(id, outcome.reason);
    } else if (outcome.kind === 'failed') {
      failed.add(id);
      sink.failed(id, outcome.error);
    }
  });
  for (const [id, s] of states) {
    if (failed.has(id) || deleted.has(id)) continue;
    if (s.storage !== s.newest || s.adf !== s.newest)
      sink.failed(id, new Error(`the page changed ${ROUNDS} times while its bodies were read`));
  }
}

const FORMATS = ['storage', 'atlas_doc_format'] as const;
const PAGE_READ_STATUSES = ['current', 'archived', 'trashed', 'deleted'];
const BLOG_POST_READ_STATUSES = ['current', 'trashed', 'deleted'];

/** Whether the body held in `format` is missing or older than the newest version known. */
function behind(state: BodyState, format: BodyFormat): boolean {
  const held = state[format === 'storage' ? 'storage' : 'adf'];
  return held === undefined || held < state.newest;
}

type AloneOutcome =
  | { kind: 'read' }
  | { kind: 'deleted'; reason: string }
  | { kind: 'failed'; error: unknown };

/**
 * Reads one item by id, each format still behind, up to `ROUNDS` times while it keeps changing (the caller's
 * last check reports one that never settles). 404 or status `deleted` is a confirmed deletion.
 */
async function readAlone(
  api: BackupApi,
  id: string,
  state: BodyState,
  accept: (item: Page | BlogPost, format: BodyFormat, value: string) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<AloneOutcome> {
  const get = state.type === 'page' ? api.getPage.bind(api) : api.getBlogPost.bind(api);
  const statuses = state.type === 'page' ? PAGE_READ_STATUSES : BLOG_POST_READ_STATUSES;
  for (let round = 0; round < ROUNDS; round++) {
    const formats = FORMATS.filter((format) => behind(state, format));
    if (formats.length === 0) break;
    for (const format of formats) {
      let item: Page | BlogPost;
      try {
        item = await get(id, { bodyFormat: format, statuses, ...(signal ? { signal } : {}) });
      } catch (error) {
        signal?.throwIfAborted();
        if (error instanceof StepvaultError && error.code === 'not-found')
          return { kind: 'deleted', reason: 'left out of the batch read; read alone, the site answers 404' };
        return { kind: 'failed', error: aloneError(error) };
      }
      if (item.status === 'deleted')
        return { kind: 'deleted', reason: 'left out of the batch read; read alone, its status is deleted' };
      const value = item.body?.[format]?.value;
      if (value === undefined || value === null)
        return {
          kind: 'failed',
          error: new StepvaultError(
            'io',
            `left out of the batch read; read alone, it came without its ${format} body`,
            {
              retryable: true,
            },
          ),
        };
      await accept(item, format, value);
    }
  }
  return { kind: 'read' };
}

/** The single read's error, said to follow a batch read that left the item out. */
function aloneError(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof StepvaultError)
    return new StepvaultError(error.code, `left out of the batch read; read alone: ${message}`, {
      ...(error.hint ? { hint: error.hint } : {}),
      retryable: error.retryable,
      cause: error.cause,
    });
  return new Error(`left out of the batch read; read alone: ${message}`, { cause: error });
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
