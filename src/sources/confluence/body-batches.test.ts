import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepvaultError } from '../../common/errors.ts';
import { type BodyState, fetchBodies } from './body-batches.ts';
import type { Page } from './client/records.ts';
import type { BackupApi } from './read-api.ts';

/**
 * A site of pages whose versions a test moves on; ids in `failing` make every batch naming them fail; ids in
 * `hidden` are left out of batch reads, those in `bodiless` come without their body; `single` answers a read
 * of one page alone (by default from `versions`, 404 for an id it does not hold).
 */
function fakeSite(
  versions: Map<string, number>,
  failing: Set<string>,
  onFetch?: (format: string) => void,
  hidden = new Set<string>(),
  single?: (id: string, format: string) => Page,
  bodiless = new Set<string>(),
) {
  const batches: string[][] = [];
  const singles: string[] = [];
  const page = (id: string, format: string, status = 'current'): Page => ({
    id,
    status,
    title: `t${id}`,
    spaceId: '1',
    version: { number: versions.get(id)! },
    body: {
      [format]: { representation: format, value: `${format} ${id} v${versions.get(id)}` },
    },
  });
  const api = {
    async getPagesByIds(ids: readonly string[], options: { bodyFormat?: string }) {
      batches.push([...ids]);
      if (ids.some((id) => failing.has(id))) throw new Error('500');
      onFetch?.(options.bodyFormat!);
      return ids
        .filter((id) => versions.has(id) && !hidden.has(id))
        .map((id) =>
          bodiless.has(id) ? { ...page(id, options.bodyFormat!), body: {} } : page(id, options.bodyFormat!),
        );
    },
    async getPage(id: string, options: { bodyFormat?: string; statuses?: string[] }) {
      singles.push(`${id} ${options.bodyFormat} ${options.statuses?.join(',')}`);
      if (single) return single(id, options.bodyFormat!);
      if (!versions.has(id))
        throw new StepvaultError('not-found', `Confluence answered 404 to GET /wiki/api/v2/pages/{id}`);
      return page(id, options.bodyFormat!);
    },
  } as unknown as BackupApi;
  return { api, batches, singles, page };
}

function sink() {
  const bodies = new Map<string, string[]>();
  const failed = new Map<string, string>();
  const deleted = new Map<string, string>();
  return {
    bodies,
    failed,
    deleted,
    sink: {
      body: async (id: string, format: string, value: string) => {
        bodies.set(id, [...(bodies.get(id) ?? []), `${format}:${value}`]);
      },
      failed: (id: string, error: unknown) => failed.set(id, (error as Error).message),
      deleted: (id: string, reason: string) => deleted.set(id, reason),
    },
  };
}

describe('fetchBodies', () => {
  it('isolates a failing id by halving its batch; a page gone from the batch is deleted once a read of it alone answers 404', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => String(1000 + i));
    const versions = new Map(ids.map((id) => [id, 1]));
    versions.delete('1005');
    const { api, batches } = fakeSite(versions, new Set(['1100']));
    const states = new Map<string, BodyState>(ids.map((id) => [id, { type: 'page', newest: 1 }]));
    const s = sink();
    await fetchBodies(api, states, s.sink);
    assert.deepEqual([...s.failed.keys()], ['1100']);
    assert.deepEqual([...s.deleted.keys()], ['1005']);
    assert.match(s.deleted.get('1005')!, /404/);
    assert.equal(s.bodies.size, 298);
    assert.ok(batches.every((b) => b.length <= 250));
    assert.ok(
      batches.length < 40,
      `a failing id costs a few halvings, not one request per id (${batches.length})`,
    );
  });

  it('fetches again until storage and ADF belong to the same version', async () => {
    const versions = new Map([['1', 1]]);
    let calls = 0;
    // The page is edited between the storage and the ADF request.
    const { api } = fakeSite(versions, new Set(), () => {
      if (++calls === 1) versions.set('1', 2);
    });
    const states = new Map<string, BodyState>([['1', { type: 'page', newest: 1 }]]);
    const s = sink();
    await fetchBodies(api, states, s.sink);
    assert.equal(states.get('1')!.storage, 2);
    assert.equal(states.get('1')!.adf, 2);
    assert.equal(s.failed.size, 0);
    const last = s.bodies.get('1')!;
    assert.ok(last.includes('storage:storage 1 v2'));
    assert.ok(last.includes('atlas_doc_format:atlas_doc_format 1 v2'));
  });

  it('reads a page the batch left out on its own, both formats, every status, and keeps it', async () => {
    const versions = new Map([
      ['1', 3],
      ['2', 1],
    ]);
    const { api, singles } = fakeSite(versions, new Set(), undefined, new Set(['1']));
    const states = new Map<string, BodyState>([
      ['1', { type: 'page', newest: 3 }],
      ['2', { type: 'page', newest: 1 }],
    ]);
    const s = sink();
    await fetchBodies(api, states, s.sink);
    assert.equal(s.deleted.size, 0);
    assert.equal(s.failed.size, 0);
    assert.deepEqual(s.bodies.get('1'), ['storage:storage 1 v3', 'atlas_doc_format:atlas_doc_format 1 v3']);
    assert.deepEqual(singles, [
      '1 storage current,archived,trashed,deleted',
      '1 atlas_doc_format current,archived,trashed,deleted',
    ]);
  });

  it('a page whose single read fails is a failure of that page, never a deletion', async () => {
    const versions = new Map([['1', 1]]);
    const { api } = fakeSite(versions, new Set(), undefined, new Set(['1']), () => {
      throw new StepvaultError('config', 'Confluence answered 403 to GET /wiki/api/v2/pages/{id}');
    });
    const s = sink();
    await fetchBodies(api, new Map([['1', { type: 'page', newest: 1 }]]), s.sink);
    assert.equal(s.deleted.size, 0);
    assert.match(s.failed.get('1')!, /left out of the batch read; read alone: Confluence answered 403/);
  });

  it('a page whose single read says status deleted is deleted', async () => {
    const versions = new Map([['1', 1]]);
    const site = fakeSite(versions, new Set(), undefined, new Set(['1']), (id, format) =>
      site.page(id, format, 'deleted'),
    );
    const s = sink();
    await fetchBodies(site.api, new Map([['1', { type: 'page', newest: 1 }]]), s.sink);
    assert.equal(s.failed.size, 0);
    assert.match(s.deleted.get('1')!, /status is deleted/);
    assert.equal(s.bodies.size, 0);
  });

  it('reads a page the batch returned without its body on its own', async () => {
    const versions = new Map([['1', 2]]);
    const { api, singles } = fakeSite(versions, new Set(), undefined, new Set(), undefined, new Set(['1']));
    const s = sink();
    await fetchBodies(api, new Map([['1', { type: 'page', newest: 2 }]]), s.sink);
    assert.equal(s.failed.size, 0);
    assert.deepEqual(s.bodies.get('1'), ['storage:storage 1 v2', 'atlas_doc_format:atlas_doc_format 1 v2']);
    assert.equal(singles.length, 2);
  });
});
