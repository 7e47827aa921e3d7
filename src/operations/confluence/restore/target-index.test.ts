import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TargetIndex, type TargetItem } from './target-index.ts';

function item(over: Partial<TargetItem>): TargetItem {
  return {
    id: '1',
    type: 'page',
    status: 'current',
    title: 'Title',
    parentId: undefined,
    position: undefined,
    version: 1,
    createdAt: undefined,
    storage: undefined,
    ...over,
  };
}

test('pages are found by title case-insensitively, only current or archived ones', () => {
  const index = new TargetIndex();
  index.add(item({ id: '1', title: 'Release Notes' }));
  index.add(item({ id: '2', title: 'Old', status: 'trashed' }));
  index.add(item({ id: '3', title: 'Kept', status: 'archived' }));
  assert.equal(index.pageWithTitle('release notes')?.id, '1');
  assert.equal(index.pageWithTitle('Old'), undefined);
  assert.equal(index.pageWithTitle('KEPT')?.id, '3');
  assert.equal(index.byId.get('2')?.status, 'trashed');
});

test('a listing that returns an item twice keeps its newest version', () => {
  const index = new TargetIndex();
  index.add(item({ id: '1', version: 3, title: 'New name' }));
  index.add(item({ id: '1', version: 2, title: 'Old name' }));
  assert.equal(index.byId.get('1')?.version, 3);
  assert.equal(index.pageWithTitle('Old name'), undefined);
  index.add(item({ id: '2', version: 1, title: 'Before' }));
  index.add(item({ id: '2', version: 2, title: 'After' }));
  assert.equal(index.pageWithTitle('Before'), undefined);
  assert.equal(index.pageWithTitle('After')?.version, 2);
});

test('blog posts are found by title and creation time, whatever its notation', () => {
  const index = new TargetIndex();
  index.add(item({ id: '9', type: 'blogpost', title: 'Weekly', createdAt: '2025-03-04T10:00:00.000Z' }));
  assert.equal(index.blogPost('Weekly', '2025-03-04T10:00:00Z')?.id, '9');
  assert.equal(index.blogPost('Weekly', '2025-03-05T10:00:00Z'), undefined);
  assert.equal(index.pageWithTitle('Weekly'), undefined);
});
