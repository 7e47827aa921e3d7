import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BodyState, fetchBodies } from './body-batches.ts';
import type { Page } from './client/records.ts';
import type { BackupApi } from './read-api.ts';

/** A site of pages whose versions a test moves on; ids in `failing` make every batch naming them fail. */
function fakeSite(versions: Map<string, number>, failing: Set<string>, onFetch?: (format: string) => void) {
  const batches: string[][] = [];
  const api = {
    async getPagesByIds(ids: readonly string[], options: { bodyFormat?: string }) {
      batches.push([...ids]);
      if (ids.some((id) => failing.has(id))) throw new Error('500');
      onFetch?.(options.bodyFormat!);
      return ids
        .filter((id) => versions.has(id))
        .map(
          (id): Page => ({
            id,
            status: 'current',
            title: `t${id}`,
            spaceId: '1',
            version: { number: versions.get(id)! },
            body: {
              [options.bodyFormat!]: {
                representation: options.bodyFormat,
                value: `${options.bodyFormat} ${id} v${versions.get(id)}`,
              },
            },
          }),
        );
    },
  } as unknown as BackupApi;
  return { api, batches };
}

function sink() {
  const bodies = new Map<string, string[]>();
  const failed = new Set<string>();
  const vanished = new Set<string>();
  return {
    bodies,
    failed,
    vanished,
    sink: {
      body: async (id: string, format: string, value: string) => {
        bodies.set(id, [...(bodies.get(id) ?? []), `${format}:${value}`]);
      },
      failed: (id: string) => failed.add(id),
      vanished: (id: string) => vanished.add(id),
    },
  };
}

describe('fetchBodies', () => {
  it('isolates a failing id by halving its batch, and reports vanished pages', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => String(1000 + i));
    const versions = new Map(ids.map((id) => [id, 1]));
    versions.delete('1005');
    const { api, batches } = fakeSite(versions, new Set(['1100']));
    const states = new Map<string, BodyState>(ids.map((id) => [id, { type: 'page', newest: 1 }]));
    const s = sink();
    await fetchBodies(api, states, s.sink);
    assert.deepEqual([...s.failed], ['1100']);
    assert.deepEqual([...s.vanished], ['1005']);
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
});
