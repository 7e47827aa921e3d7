import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildSiteModel, relativeHref } from './site-model.ts';
import { attachment, content, site, space } from './snapshot-fixture.test-helper.ts';

describe('relativeHref', () => {
  it('resolves back to the target from the source file', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,6}$/).filter((s) => s !== '.' && s !== '..');
    const file = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
    fc.assert(
      fc.property(file, file, (from, to) => {
        const href = relativeHref(from, to);
        assert.equal(
          path.posix.normalize(path.posix.join(path.posix.dirname(from), decodeURIComponent(href))),
          to,
        );
      }),
    );
  });

  it('examples', () => {
    assert.equal(relativeHref('spaces/A/pages/1.html', 'spaces/A/pages/2.html'), '2.html');
    assert.equal(relativeHref('spaces/A/pages/1.html', 'spaces/B/index.html'), '../../B/index.html');
    assert.equal(relativeHref('index.html', 'spaces/A/index.html'), 'spaces/A/index.html');
  });
});

describe('buildSiteModel', () => {
  const model = () =>
    buildSiteModel(
      site(),
      [
        {
          record: space('ENG', { homepageId: '1' }),
          items: [
            content('2', 'Later root', { position: 5 }),
            content('1', 'Home', { position: 9 }),
            content('3', 'Runbook', { status: 'archived', parentId: '1' }),
            content('4', 'runbook', { parentId: '1' }),
            content('5', 'Blog', { type: 'blogpost', createdAt: '2026-01-01T00:00:00Z' }),
            content('6', 'Blog 2', { type: 'blogpost', createdAt: '2026-02-01T00:00:00Z' }),
            content('x/../7', 'Hostile id'),
            content('8', 'Draft', { status: 'draft' }),
          ],
          attachments: new Map(),
        },
        { record: space('../X'), items: [], attachments: new Map() },
      ],
      {},
    );

  it('puts the homepage first, orders by position, sorts blog posts newest first', () => {
    const m = model();
    const eng = m.space('eng')!;
    assert.deepEqual(
      eng.roots.map((r) => r.record.id),
      ['1', '2'],
    );
    assert.deepEqual(
      eng.blogPosts.map((b) => b.record.id),
      ['6', '5'],
    );
    assert.equal(eng.excluded.drafts, 1);
  });

  it('finds titles exactly first, then ignoring case; a current item wins over an archived one', () => {
    const m = model();
    assert.equal(m.byTitle('ENG', 'runbook', 'page')?.record.id, '4');
    assert.equal(m.byTitle('eng', 'Runbook', 'page')?.record.id, '3');
    assert.equal(m.byTitle('ENG', 'RUNBOOK', 'page')?.record.id, '4');
    assert.equal(m.byTitle('ENG', 'Blog', 'page'), undefined);
    assert.equal(m.byTitle('ENG', 'Blog', 'blogpost')?.record.id, '5');
  });

  it('skips records whose key or id cannot name a file, and says so', () => {
    const m = model();
    assert.equal(m.space('../X'), undefined);
    assert.equal(m.byId('x/../7'), undefined);
    assert.equal(m.skipped.length, 2);
  });

  it('gives an attachment id one file only, even if two items claim it', () => {
    const a = attachment('att1', 'x.png', Buffer.from('x')).record;
    const m = buildSiteModel(
      site(),
      [
        {
          record: space('A'),
          items: [content('1', 'One'), content('2', 'Two')],
          attachments: new Map([
            ['1', [a]],
            ['2', [a]],
          ]),
        },
      ],
      {},
    );
    assert.deepEqual([m.byId('1')!.attachments.length, m.byId('2')!.attachments.length], [1, 0]);
    assert.match(m.skipped[0]!, /att1.*duplicate/);
  });
});
