import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { isStepvaultError } from '../../../common/errors.ts';
import type { CommentRecord } from '../../../sources/confluence/layout.ts';
import { safeHtmlProblems } from '../../../sources/confluence/render/safe-html.test-helper.ts';
import { exportSnapshotHtml } from './export-html.ts';
import { searchExport } from './search-page.test-helper.ts';
import {
  attachment,
  buildConfluenceSnapshot,
  content,
  type FixtureSpace,
  space,
} from './snapshot-fixture.test-helper.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-export-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const freshTarget = () => path.join(scratch, `t${n++}`);

// A 1x1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64',
);

function fixture(): FixtureSpace[] {
  return [
    {
      record: space('ENG', { homepageId: '10', name: 'Engineering', description: 'All things built' }),
      items: [
        {
          record: content('10', 'Home', { position: 0 }),
          storage:
            '<h1>Welcome</h1><p>See <ac:link><ri:page ri:content-title="Runbook" /></ac:link> and ' +
            '<a href="https://acme.atlassian.net/wiki/spaces/OPS/pages/30/On+call">on call</a>.</p>' +
            '<ac:image><ri:attachment ri:filename="diagram.png" /></ac:image>',
          meta: {
            labels: [{ id: '1', name: 'handbook', prefix: 'global' }],
            properties: [],
            restrictions: { read: { users: [], groups: [] }, update: { users: [], groups: [] } },
            groupNames: {},
          },
          comments: [
            {
              id: '500',
              kind: 'footer',
              status: 'current',
              version: { number: 1, authorId: 'acc-2' },
              body: '<p>Nice page</p>',
              replies: [
                {
                  id: '501',
                  kind: 'footer',
                  status: 'current',
                  version: { number: 1 },
                  body: '<p>Thanks</p>',
                  replies: [],
                },
              ],
            },
          ],
          attachments: [attachment('att1', 'diagram.png', PNG, 'image/png')],
        },
        {
          record: content('11', 'Runbook', { parentId: '10', parentType: 'page', position: 2 }),
          storage: '<p>zebrafish procedure</p>',
        },
        {
          record: content('12', 'Alpha', { parentId: '10', parentType: 'page', position: 1 }),
          storage: '<p>first child</p>',
        },
        {
          record: content('13', 'Old stuff', { parentId: '10', status: 'archived', position: 3 }),
          storage: '<p>archived</p>',
        },
        { record: content('14', 'Binned', { status: 'trashed' }), storage: '<p>trash</p>' },
        { record: content('15', 'News', { type: 'blogpost' }), storage: '<p>blog body</p>' },
        { record: content('16', 'Folder', { type: 'folder', parentId: '10', position: 4 }) },
      ],
    },
    {
      record: space('OPS', { homepageId: '30', status: 'archived' }),
      items: [{ record: content('30', 'On call'), storage: '<p>pager</p>' }],
    },
  ];
}

function read(target: string, rel: string): string {
  return fs.readFileSync(path.join(target, rel), 'utf8');
}

/** Every relative href and src in every HTML file of the export must name an existing file. */
function brokenLinks(target: string): string[] {
  const broken: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.html')) {
        for (const m of fs.readFileSync(full, 'utf8').matchAll(/(?:href|src)="([^"]*)"/g)) {
          const href = m[1]!.replaceAll('&amp;', '&');
          if (/^[a-z]+:/i.test(href) || href.startsWith('#')) continue;
          const file = path.resolve(path.dirname(full), decodeURIComponent(href.split(/[?#]/)[0]!));
          if (!file.startsWith(target) || !fs.existsSync(file))
            broken.push(`${path.relative(target, full)} -> ${href}`);
        }
      }
    }
  };
  walk(target);
  return broken;
}

describe('exportSnapshotHtml', () => {
  it('writes indexes, one page per item, attachments and search, with every local link resolving', async () => {
    const reader = await buildConfluenceSnapshot(fixture());
    const target = freshTarget();
    const result = await exportSnapshotHtml(reader, { snapshot: 'x', target });
    assert.deepEqual(
      {
        spaces: result.spaces,
        pages: result.pages,
        blog: result.blogPosts,
        other: result.otherItems,
        att: result.attachments,
      },
      { spaces: 2, pages: 5, blog: 1, other: 1, att: 1 },
    );
    assert.deepEqual(result.excluded, { trashed: 1, drafts: 0, other: 0 });
    assert.deepEqual(result.failed, []);
    for (const f of [
      'index.html',
      'search.html',
      'assets/site.css',
      'assets/search-index.js',
      'spaces/ENG/index.html',
      'spaces/OPS/pages/30.html',
    ])
      assert.ok(fs.existsSync(path.join(target, f)), f);
    assert.ok(!fs.existsSync(path.join(target, 'spaces/ENG/pages/14.html')), 'trashed page left out');
    assert.deepEqual(fs.readFileSync(path.join(target, 'spaces/ENG/attachments/att1.png')), PNG);
    assert.deepEqual(brokenLinks(target), []);

    const home = read(target, 'spaces/ENG/pages/10.html');
    assert.match(home, /<a href="11.html">Runbook<\/a>/);
    assert.match(home, /<a href="..\/..\/OPS\/pages\/30.html">on call<\/a>/);
    assert.match(home, /<img src="..\/attachments\/att1.png" alt="diagram.png">/);
    assert.match(home, /<li class="label">handbook<\/li>/);
    assert.match(home, /Nice page.*<ol class="replies">.*Thanks/s);
    assert.match(
      home,
      /version 1, <time datetime="2026-01-02T03:04:05.000Z">2026-01-02 03:04 UTC<\/time>, by <span class="account">acc-1<\/span>/,
    );

    // Tree in position order, archived marked; the index says what was left out.
    const spaceIndex = read(target, 'spaces/ENG/index.html');
    const order = ['Alpha', 'Runbook', 'Old stuff', 'Folder'].map((t) =>
      spaceIndex.indexOf(`<bdi>${t}</bdi>`),
    );
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
    );
    assert.match(spaceIndex, /Old stuff<\/bdi><\/a><span class="badge badge-archived">/);
    assert.match(
      read(target, 'index.html'),
      /Content in the trash is not included \(1 items; export with --include-trashed/,
    );
    const runbook = read(target, 'spaces/ENG/pages/11.html');
    assert.match(
      runbook,
      /<a href="..\/index.html"><bdi>Engineering<\/bdi><\/a>.*<a href="10.html"><bdi>Home<\/bdi><\/a>/s,
    );

    assert.match(
      read(target, 'assets/search-index.js'),
      /^window\.STEPVAULT_SEARCH_INDEX = \{"pages":7,"shards":\["assets\/search\/0\.js"\]\};/,
    );
    const index = read(target, 'assets/search/0.js');
    assert.match(
      index,
      /"spaces\/ENG\/pages\/11.html","Runbook","Engineering","runbook zebrafish procedure"/,
    );
  });

  it('includes trashed content only when asked, and marks it', async () => {
    const target = freshTarget();
    const result = await exportSnapshotHtml(await buildConfluenceSnapshot(fixture()), {
      snapshot: 'x',
      target,
      includeTrashed: true,
    });
    assert.equal(result.excluded.trashed, 0);
    assert.match(read(target, 'spaces/ENG/pages/14.html'), /badge-trashed/);
    assert.match(read(target, 'index.html'), /Content in the trash is included/);
  });

  it('exports only the named spaces and refuses unknown ones', async () => {
    const reader = await buildConfluenceSnapshot(fixture());
    const target = freshTarget();
    const result = await exportSnapshotHtml(reader, { snapshot: 'x', target, spaces: ['ops'] });
    assert.equal(result.spaces, 1);
    assert.ok(!fs.existsSync(path.join(target, 'spaces/ENG')));
    // The link to a space not exported goes to the live site, marked external.
    await assert.rejects(
      exportSnapshotHtml(reader, { snapshot: 'x', target: freshTarget(), spaces: ['NOPE'] }),
      (e) => isStepvaultError(e, 'not-found') && /NOPE/.test(e.message) && /ENG, OPS/.test(e.hint ?? ''),
    );
  });

  it('hostile titles never name files, never escape the target and never become markup', async () => {
    const titles = [
      '../../../etc/passwd',
      'a/b\\c',
      'nul\0byte',
      '\u202eevil\u202c.txt',
      '😀 emoji',
      '<script>alert(1)</script>',
      'x" onmouseover="y',
    ];
    const items = titles.map((title, i) => ({
      record: content(String(100 + i), title, { position: i }),
      storage: `<p>${i}</p>`,
      attachments: [attachment(`att${100 + i}`, title, Buffer.from(`data ${i}`))],
    }));
    const target = freshTarget();
    await exportSnapshotHtml(await buildConfluenceSnapshot([{ record: space('H'), items }]), {
      snapshot: 'x',
      target,
    });
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        files.push(path.relative(target, path.join(dir, e.name)));
        if (e.isDirectory()) walk(path.join(dir, e.name));
      }
    };
    walk(target);
    for (const f of files) assert.match(f, /^[A-Za-z0-9._/-]+$/, f);
    assert.ok(files.includes('spaces/H/attachments/att100'));
    assert.ok(files.includes('spaces/H/attachments/att103.txt'));
    assert.deepEqual(brokenLinks(target), []);
    for (const f of files.filter((f) => f.endsWith('.html'))) {
      const html = read(target, f);
      assert.doesNotMatch(html, /<script>alert|\0/, f);
      const main = html.slice(html.indexOf('<main>') + 6, html.indexOf('</main>'));
      const frame = {
        elements: ['article', 'section', 'time', 'main', 'form', 'button', 'noscript'],
        attributes: ['datetime', 'action', 'method', 'name', 'aria-current'],
      };
      assert.deepEqual(safeHtmlProblems(main, frame), [], f);
    }
  });

  it('breaks parent cycles instead of looping', async () => {
    const items = [
      { record: content('1', 'A', { parentId: '2' }), storage: '' },
      { record: content('2', 'B', { parentId: '1' }), storage: '' },
    ];
    const target = freshTarget();
    const result = await exportSnapshotHtml(await buildConfluenceSnapshot([{ record: space('C'), items }]), {
      snapshot: 'x',
      target,
    });
    assert.equal(result.pages, 2);
    assert.match(read(target, 'spaces/C/index.html'), /A<\/bdi><\/a><ul><li><a href="pages\/2.html"><bdi>B/);
  });

  it('its search finds identifiers, dates, file and attachment names and issue numbers as written', async () => {
    const items = [
      {
        record: content('1', 'Key rotation'),
        storage:
          '<p>Ticket <strong>OPS-1234</strong> is due 2026-12-01: run <code>rotate.sh</code>, close #2999.</p>',
        attachments: [attachment('att1', 'Q4 budget_v2.xlsx', Buffer.from('x'))],
      },
      { record: content('2', 'Decoy'), storage: '<p>ops 1234 2026 12 01 rotate sh 29990 budget v2 xlsx</p>' },
    ];
    const target = freshTarget();
    await exportSnapshotHtml(await buildConfluenceSnapshot([{ record: space('S'), items }]), {
      snapshot: 'x',
      target,
    });
    const html = read(target, 'search.html');
    const file = (rel: string) => (fs.existsSync(path.join(target, rel)) ? read(target, rel) : undefined);
    for (const query of ['OPS-1234', '2026-12-01', 'rotate.sh', '#2999', 'budget_v2.xlsx'])
      assert.deepEqual(searchExport(html, file, query).hrefs, ['spaces/S/pages/1.html'], query);
    assert.deepEqual(searchExport(html, file, 'rotate').hrefs.sort(), [
      'spaces/S/pages/1.html',
      'spaces/S/pages/2.html',
    ]);
  });

  it('shows each comment on an attachment once, under the attachment, even when the page holds it too', async () => {
    const comment = (id: string, body: string, replies: CommentRecord[] = []): CommentRecord => ({
      id,
      kind: 'footer',
      status: 'current',
      version: { number: 1 },
      body: `<p>${body}</p>`,
      replies,
    });
    const onFile = comment('700', 'Blurry scan', [comment('701', 'Rescanned it')]);
    const file = attachment('att5', 'scan.pdf', Buffer.from('%PDF'), 'application/pdf');
    file.record.comments = [onFile, comment('702', 'Wrong year')];
    const items = [
      {
        record: content('1', 'Page'),
        storage: '<p>body</p>',
        comments: [comment('600', 'On the page'), onFile],
        attachments: [file],
      },
    ];
    const target = freshTarget();
    await exportSnapshotHtml(await buildConfluenceSnapshot([{ record: space('A'), items }]), {
      snapshot: 'x',
      target,
    });
    const page = read(target, 'spaces/A/pages/1.html');
    for (const text of ['On the page', 'Blurry scan', 'Rescanned it', 'Wrong year'])
      assert.equal(page.split(text).length - 1, 1, `${text} appears once`);
    assert.match(
      page,
      /<h3>Comments on attachments<\/h3><h4><bdi>scan.pdf<\/bdi><\/h4><ol class="comments">.*Blurry scan.*Rescanned it.*Wrong year/s,
    );
    assert.ok(page.indexOf('On the page') < page.indexOf('Comments on attachments'));
  });

  it('an attachment whose data is not stored is listed as missing, never linked', async () => {
    const missing = attachment('att9', 'gone.png', PNG, 'image/png');
    const items = [
      {
        record: content('1', 'Page'),
        storage: '<ac:image><ri:attachment ri:filename="gone.png" /></ac:image>',
        attachments: [{ record: missing.record, data: undefined }],
      },
    ];
    const target = freshTarget();
    const result = await exportSnapshotHtml(await buildConfluenceSnapshot([{ record: space('M'), items }]), {
      snapshot: 'x',
      target,
    });
    assert.equal(result.failed.length, 1);
    assert.match(result.failed[0]!.item, /space M page 1 "Page": attachment att9/);
    const page = read(target, 'spaces/M/pages/1.html');
    assert.match(page, /\[image: gone.png\]/);
    assert.match(page, /<tr class="missing"><td><bdi>gone.png<\/bdi>/);
    assert.deepEqual(brokenLinks(target), []);
  });

  it('trashed attachments are left out; one kept as a record only is listed as not in the export', async () => {
    const trashed = attachment('att7', 'old.txt', Buffer.from('old'));
    trashed.record.status = 'trashed';
    const recordOnly = attachment('att8', 'meta-only.txt', Buffer.from('x'));
    recordOnly.record.versions = [];
    const items = [
      {
        record: content('1', 'Page'),
        storage: '<p>x</p>',
        attachments: [trashed, { record: recordOnly.record, data: undefined }],
      },
    ];
    const reader = await buildConfluenceSnapshot([{ record: space('Q'), items }]);
    const target = freshTarget();
    const result = await exportSnapshotHtml(reader, { snapshot: 'x', target });
    assert.deepEqual(result.failed, []);
    assert.equal(result.attachments, 0);
    const page = read(target, 'spaces/Q/pages/1.html');
    assert.doesNotMatch(page, /old\.txt/);
    assert.match(page, /<tr class="missing"><td><bdi>meta-only.txt<\/bdi>/);
    const withTrash = freshTarget();
    await exportSnapshotHtml(reader, { snapshot: 'x', target: withTrash, includeTrashed: true });
    assert.equal(fs.readFileSync(path.join(withTrash, 'spaces/Q/attachments/att7.txt'), 'utf8'), 'old');
  });

  it('refuses a non-empty target unless forced; forced, replaces its own files and leaves others', async () => {
    const reader = await buildConfluenceSnapshot(fixture());
    const target = freshTarget();
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep.txt'), 'mine');
    await assert.rejects(exportSnapshotHtml(reader, { snapshot: 'x', target }), (e) =>
      isStepvaultError(e, 'conflict'),
    );
    assert.deepEqual(fs.readdirSync(target), ['keep.txt']);
    // A symlink where the export writes a file is replaced, never followed.
    const outside = path.join(scratch, `outside-${n++}`);
    fs.writeFileSync(outside, 'untouched');
    fs.symlinkSync(outside, path.join(target, 'index.html'));
    await exportSnapshotHtml(reader, { snapshot: 'x', target, force: true });
    assert.equal(fs.readFileSync(outside, 'utf8'), 'untouched');
    assert.ok(fs.lstatSync(path.join(target, 'index.html')).isFile());
    assert.equal(fs.readFileSync(path.join(target, 'keep.txt'), 'utf8'), 'mine');
    await exportSnapshotHtml(reader, { snapshot: 'x', target, force: true });
  });

  it('refuses a target that is a symlink or a file', async () => {
    const reader = await buildConfluenceSnapshot(fixture());
    const real = freshTarget();
    fs.mkdirSync(real);
    const link = freshTarget();
    fs.symlinkSync(real, link);
    await assert.rejects(exportSnapshotHtml(reader, { snapshot: 'x', target: link }), (e) =>
      isStepvaultError(e, 'conflict'),
    );
    const file = freshTarget();
    fs.writeFileSync(file, '');
    await assert.rejects(exportSnapshotHtml(reader, { snapshot: 'x', target: file }), (e) =>
      isStepvaultError(e),
    );
    assert.deepEqual(fs.readdirSync(real), []);
  });
});
