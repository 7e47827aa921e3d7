import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  attachmentRecordSchema,
  type CommentRecord,
  commentsFileSchema,
  contentRecordSchema,
  encodeRecord,
  parseRecord,
  parseVersionFileName,
  paths,
  siteRecordSchema,
  versionFileName,
} from './layout.ts';

const version = fc.record(
  {
    number: fc.integer({ min: 1, max: 10_000 }),
    createdAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    message: fc.string(),
    minorEdit: fc.boolean(),
    authorId: fc.string({ minLength: 1 }),
  },
  { requiredKeys: ['number'], noNullPrototype: true },
);

const content = fc.record(
  {
    id: fc.integer({ min: 1 }).map(String),
    type: fc.constantFrom('page', 'blogpost', 'folder', 'whiteboard', 'database', 'embed' as const),
    status: fc.constantFrom('current', 'archived', 'trashed', 'draft'),
    title: fc.string(),
    spaceId: fc.integer({ min: 1 }).map(String),
    parentId: fc.integer({ min: 1 }).map(String),
    parentType: fc.constantFrom('page', 'folder'),
    position: fc.integer({ min: 0, max: 100_000 }),
    version,
    embedUrl: fc.webUrl(),
  },
  { requiredKeys: ['id', 'type', 'status', 'title', 'spaceId', 'version'], noNullPrototype: true },
);

function commentOf(replies: fc.Arbitrary<CommentRecord[]>): fc.Arbitrary<CommentRecord> {
  return fc.record(
    {
      id: fc.integer({ min: 1 }).map(String),
      kind: fc.constantFrom('footer' as const, 'inline' as const),
      status: fc.constant('current'),
      version,
      body: fc.string(),
      replies,
    },
    { noNullPrototype: true },
  );
}
const comment = commentOf(fc.array(commentOf(fc.constant([])), { maxLength: 2 }));

describe('Confluence layout', () => {
  it('names every record by ids and fixed names only', () => {
    assert.equal(paths.site(), '/site.json');
    assert.equal(paths.item('ENG', '123'), '/spaces/ENG/content/123/item.json');
    assert.equal(paths.body('ENG', '123', 'storage'), '/spaces/ENG/content/123/body.storage.xhtml');
    assert.equal(paths.body('ENG', '123', 'adf'), '/spaces/ENG/content/123/body.adf.json');
    assert.equal(
      paths.attachmentData('ENG', '123', 'att456', 2),
      '/spaces/ENG/content/123/attachments/att456/v2',
    );
    assert.equal(paths.history('~5b1f', '9', 3), '/spaces/~5b1f/content/9/history/v3.json');
    assert.throws(() => paths.spaceDir('../x'), /cannot be stored/);
    assert.throws(() => paths.spaceDir('..'), /cannot be stored/);
    assert.throws(() => paths.itemDir('A', '12/3'), /not numeric/);
    assert.throws(() => paths.attachmentDir('A', '1', 'x/1'), /not an attachment id/);
  });

  it('reads version file names back exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (n) => {
        assert.equal(parseVersionFileName(versionFileName(n)), n);
        assert.equal(parseVersionFileName(`${versionFileName(n)}.json`, '.json'), n);
      }),
    );
    assert.equal(parseVersionFileName('v0'), undefined);
    assert.equal(parseVersionFileName('v01'), undefined);
    assert.equal(parseVersionFileName('x1'), undefined);
    assert.equal(parseVersionFileName('v1.json'), undefined);
  });

  it('round-trips records through their stored bytes', () => {
    fc.assert(
      fc.property(content, (record) => {
        const parsed = parseRecord(contentRecordSchema, encodeRecord(record).toString(), 'item.json');
        assert.deepEqual(parsed, record);
      }),
    );
    fc.assert(
      fc.property(fc.array(comment, { maxLength: 4 }), (records) => {
        const parsed = parseRecord(commentsFileSchema, encodeRecord(records).toString(), 'comments.json');
        assert.deepEqual(parsed, records);
      }),
    );
  });

  it('refuses records that do not match, naming the file and the field', () => {
    assert.throws(() => parseRecord(siteRecordSchema, '{', '/site.json'), /\/site.json is not JSON/);
    assert.throws(
      () => parseRecord(siteRecordSchema, JSON.stringify({ format: 'other/1' }), '/site.json'),
      /\/site.json is not a valid record: format/,
    );
    assert.throws(
      () =>
        parseRecord(
          attachmentRecordSchema,
          JSON.stringify({ id: 'att1', status: 'current', title: 'a', version: { number: 1 }, labels: [] }),
          'attachment.json',
        ),
      /attachment.json is not a valid record: comments/,
    );
  });
});
