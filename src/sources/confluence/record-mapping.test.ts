import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ApiComment,
  byNumericId,
  commentTree,
  contentMeta,
  labelRecords,
  pageRecord,
} from './record-mapping.ts';

describe('record mapping', () => {
  it('keeps defined fields only, in a fixed order', () => {
    const record = pageRecord({
      id: '7',
      status: 'current',
      title: 'T',
      spaceId: '1',
      parentId: null,
      position: 3,
      authorId: 'a',
      createdAt: '2026-01-01T00:00:00.000Z',
      version: {
        number: 2,
        createdAt: '2026-01-02T00:00:00.000Z',
        message: '',
        minorEdit: false,
        authorId: 'a',
      },
      extra: 'ignored',
    });
    assert.deepEqual(Object.keys(record), [
      'id',
      'type',
      'status',
      'title',
      'spaceId',
      'position',
      'authorId',
      'createdAt',
      'version',
    ]);
    assert.equal(record.parentType, undefined);
  });

  it('nests replies under their comment, oldest first, and keeps inline anchors', () => {
    const c = (id: string, kind: 'footer' | 'inline', parent?: string): ApiComment => ({
      id,
      kind,
      status: 'current',
      version: { number: 1 },
      body: { storage: { representation: 'storage', value: `<p>${id}</p>` } },
      ...(parent ? { parentCommentId: parent } : {}),
      ...(kind === 'inline'
        ? {
            properties: { inlineMarkerRef: `m${id}`, inlineOriginalSelection: 'text' },
            resolutionStatus: 'open',
          }
        : {}),
    });
    const tree = commentTree([
      c('30', 'footer', '10'),
      c('10', 'footer'),
      c('9', 'inline'),
      c('31', 'footer', '30'),
      c('40', 'footer', '99'),
    ]);
    assert.deepEqual(
      tree.map((t) => [t.id, t.replies.map((r) => [r.id, r.replies.map((x) => x.id)])]),
      [
        ['9', []],
        ['10', [['30', ['31']]]],
        ['40', []],
      ],
    );
    assert.deepEqual(tree[0]!.inline, {
      markerRef: 'm9',
      originalSelection: 'text',
      resolutionStatus: 'open',
    });
    assert.equal(tree[1]!.body, '<p>10</p>');
  });

  it('sorts labels and turns restrictions into sorted id lists with group names', () => {
    assert.deepEqual(
      labelRecords([
        { id: '2', name: 'b', prefix: 'global' },
        { id: '1', name: 'a', prefix: 'team' },
        { id: '3', name: 'a', prefix: 'global' },
      ]).map((l) => l.id),
      ['3', '2', '1'],
    );
    const meta = contentMeta(
      [],
      [{ id: 'p', key: 'k', value: { x: 1 } }],
      [
        { operation: 'read', users: ['u2', 'u1'], groups: [{ id: 'g1', name: 'Group one' }] },
        { operation: 'update', users: [], groups: [] },
      ],
    );
    assert.deepEqual(meta.restrictions, {
      read: { users: ['u1', 'u2'], groups: ['g1'] },
      update: { users: [], groups: [] },
    });
    assert.deepEqual(meta.groupNames, { g1: 'Group one' });
    assert.deepEqual(meta.properties, [{ id: 'p', key: 'k', value: { x: 1 } }]);
  });

  it('orders ids numerically, prefixes aside', () => {
    assert.deepEqual(['att10', 'att9', 'att100'].sort(byNumericId), ['att9', 'att10', 'att100']);
  });
});
