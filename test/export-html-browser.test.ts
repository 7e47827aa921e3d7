// `stepvault export html` checked in a real browser: a generated site (several spaces, a few hundred pages,
// attachments with PNG images) is backed up from the simulator, exported by the CLI as users run it, and opened
// from file:// in Debian's Chromium driven by playwright-core. Pages open, every link inside the export names an
// existing file, every image loads, the search box finds a page by a word of its title and one of its body, and
// no request ever leaves file://.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { storageOf } from '../devtools/confluence-sim/bodies.ts';
import { type ConfluenceSim, startConfluenceSim } from '../devtools/confluence-sim/simulator.ts';
import { backupConfluence } from '../src/operations/confluence/backup/backup-confluence.ts';
import { Repository } from '../src/repository/repository.ts';
import { siteClient } from '../src/sources/confluence/client/client.test-helper.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { CliSandbox } from './support/cli.ts';
import { FAST_KDF } from './support/small-repository.ts';

const CHROMIUM = '/usr/bin/chromium';

const STYLED =
  '<table><colgroup><col style="width: 240.0px;" /><col style="width: 80.0px;" /></colgroup><tbody><tr>' +
  '<td><p style="text-align: center;">centred</p></td><td><p>plain</p></td></tr></tbody></table>' +
  '<p><span style="color: rgb(191,38,0);">red text</span></p>';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function htmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.html')) out.push(path.join(e.parentPath, e.name));
  }
  return out.sort();
}

/** A word of a text that is long enough to be telling (letters only). */
function wordsOf(text: string): string[] {
  return text.split(/[^\p{L}]+/u).filter((w) => w.length >= 5);
}

describe('export html in a browser', () => {
  let sim: ConfluenceSim;
  let sandbox: CliSandbox;
  let context: BrowserContext;
  let site: string;
  let styled: { id: string; space: string };
  const offending: string[] = [];
  /** Console errors of the pages opened: a page that breaks its own Content-Security-Policy says so there. */
  const consoleErrors: string[] = [];

  before(async () => {
    assert.ok(
      fs.existsSync(CHROMIUM),
      `Chromium is missing at ${CHROMIUM}: install it with \`apt-get install chromium\` (.ci/run installs it when missing)`,
    );
    sim = await startConfluenceSim({});
    // The size of the round trip (test/confluence-round-trip.test.ts): several spaces, 2,000 pages, 500 attachments.
    sim.generate({ seed: 21, spaces: 4, pages: 2000, attachments: 500, blogPosts: 20, maxVersions: 3 });
    // A page with the inline styles Confluence writes (column widths, alignment, colour): the export's pages
    // forbid inline styles, so these must arrive as classes of its style sheet.
    const styledPage = [...sim.store.contents.values()].find(
      (c) => c.kind === 'page' && c.status === 'current',
    )!;
    sim.edits.editPage(styledPage.id, { storage: `${storageOf(styledPage.versions.at(-1)!.body)}${STYLED}` });
    styled = { id: styledPage.id, space: sim.store.spaces.get(styledPage.spaceId)!.key };
    sandbox = new CliSandbox('sv-export-browser-');
    const password = fs.readFileSync(sandbox.passwordFile, 'utf8').trim();
    const repo = await Repository.init(new LocalBackend(sandbox.repo), password, { kdf: FAST_KDF });
    const backup = await backupConfluence({ site: sim.siteUrl }, { repo, api: siteClient(sim) });
    assert.ok(backup.snapshotId, 'the backup wrote no snapshot');
    // Items a backup could not read are absent from the snapshot: they cannot break the export's links.
    if (backup.missing.length > 0) console.log(`backup left out: ${JSON.stringify(backup.missing)}`);

    site = sandbox.path('site');
    const exported = await sandbox.runAsync([
      '--json',
      'export',
      'html',
      backup.snapshotId!,
      '--target',
      site,
    ]);
    // An attachment the backup could not read is reported by the export too (exit 3), and nothing else is.
    const messages = exported.messages;
    const errors = messages.filter((m) => m.message_type === 'error').map((m) => String(m.item));
    const missingAttachments = backup.missing
      .map((m) => /attachment (att\d+)/.exec(m.path)?.[1])
      .filter(Boolean);
    assert.equal(
      exported.code,
      errors.length > 0 ? 3 : 0,
      `export exited ${exported.code}\n${exported.stdout}\n${exported.stderr}`,
    );
    assert.deepEqual(
      errors.map((e) => /attachment (att\d+)$/.exec(e)?.[1]).sort(),
      missingAttachments.sort(),
      `export errors ${JSON.stringify(errors)} for backup misses ${JSON.stringify(backup.missing)}`,
    );
    const summary = messages.find((m) => m.message_type === 'summary')!;
    assert.equal(summary.spaces, 4);
    assert.ok((summary.pages as number) >= 1900, `pages: ${summary.pages}`);
    assert.ok((summary.attachments as number) >= 450, `attachments: ${summary.attachments}`);

    const userDataDir = sandbox.path('chromium-profile');
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    context.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.location().url}: ${m.text()}`);
    });
    context.on('request', (request) => {
      if (!request.url().startsWith('file://')) offending.push(request.url());
    });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) await route.continue();
      else {
        offending.push(url);
        await route.abort();
      }
    });
  });

  after(async () => {
    await context?.close();
    await sim?.close();
    sandbox?.cleanup();
  });

  it('every link inside the export names an existing file', () => {
    const broken: string[] = [];
    let links = 0;
    for (const file of htmlFiles(site)) {
      for (const m of fs
        .readFileSync(file, 'utf8')
        .matchAll(/<(?:a|link|script|img|form)\s[^>]*?(?:href|src|action)="([^"]*)"/g)) {
        const href = m[1]!.replaceAll('&amp;', '&');
        if (/^(https?|mailto|tel):/i.test(href) || href.startsWith('#')) continue;
        links++;
        const target = path.resolve(path.dirname(file), decodeURIComponent(href.split(/[?#]/)[0]!));
        if (!target.startsWith(`${site}${path.sep}`) || !fs.existsSync(target))
          broken.push(`${path.relative(site, file)} -> ${href}`);
      }
    }
    assert.ok(links > 1000, `only ${links} local links`);
    assert.deepEqual(broken, []);
  });

  it('pages open from file://, their links resolve and their images load', async () => {
    const files = htmlFiles(site);
    const withImages = files.filter((f) => fs.readFileSync(f, 'utf8').includes('<img '));
    assert.ok(withImages.length >= 5, `only ${withImages.length} pages with images`);
    const spaceIndexes = files.filter((f) => /spaces\/[^/]+\/index\.html$/.test(f));
    const sample = [
      path.join(site, 'index.html'),
      ...spaceIndexes,
      ...withImages,
      ...files.filter((_, i) => i % 25 === 0),
    ];
    const page = await context.newPage();
    let images = 0;
    for (const file of [...new Set(sample)]) {
      const response = await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      assert.ok(response === null || response.ok(), `${file} did not open`);
      assert.ok((await page.title()).length > 0, `${file} has no title`);
      const hrefs = await page.$$eval('a[href]', (as) =>
        as.map((a) => (a as unknown as { href: string }).href),
      );
      for (const href of hrefs.filter((h) => h.startsWith('file://'))) {
        const target = fileURLToPath(href.split(/[?#]/)[0]!);
        assert.ok(target.startsWith(site) && fs.existsSync(target), `${path.relative(site, file)}: ${href}`);
      }
      const bad = await page.$$eval('img', (imgs) =>
        imgs
          .map((i) => i as unknown as { complete: boolean; naturalWidth: number; src: string })
          .filter((i) => !i.complete || i.naturalWidth === 0)
          .map((i) => i.src),
      );
      images += await page.$$eval('img', (imgs) => imgs.length);
      assert.deepEqual(bad, [], `${path.relative(site, file)}: images that did not load`);
    }
    assert.ok(images >= 5, `only ${images} images seen`);
    await page.close();
  });

  it('inline styles arrive as classes of the style sheet: applied, and no page breaks its own policy', async () => {
    const file = path.join(site, 'spaces', styled.space, 'pages', `${styled.id}.html`);
    const html = fs.readFileSync(file, 'utf8');
    assert.ok(!/<[a-z][^>]*\sstyle=/i.test(html), 'no inline style attribute is left in the page');
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const seen = await page.evaluate(() => {
      // (the page's DOM, typed as much as this check needs)
      interface Element {
        textContent: string | null;
      }
      const web = globalThis as unknown as {
        document: {
          querySelectorAll(s: string): Iterable<Element>;
          querySelector(s: string): Element | null;
        };
        getComputedStyle(e: Element): { color: string; textAlign: string; width: string };
      };
      const find = (selector: string, text: string) =>
        [...web.document.querySelectorAll(selector)].find((e) => e.textContent === text);
      const span = find('span', 'red text');
      const centred = find('p', 'centred');
      const col = web.document.querySelector('col');
      return {
        colour: span ? web.getComputedStyle(span).color : undefined,
        align: centred ? web.getComputedStyle(centred).textAlign : undefined,
        width: col ? web.getComputedStyle(col).width : undefined,
      };
    });
    await page.close();
    assert.deepEqual(seen, { colour: 'rgb(191, 38, 0)', align: 'center', width: '240px' });
    assert.deepEqual(
      consoleErrors.filter((e) => /Content Security Policy/i.test(e)),
      [],
      'pages that break their own Content-Security-Policy',
    );
  });

  it('the search box finds a page by a word of its title and a word of its body', async () => {
    const space = [...sim.store.spaces.values()][0]!;
    const candidates = sim.store
      .contentInSpace(space.id)
      .filter((c) => c.kind === 'page' && c.status === 'current');
    const chosen = candidates.find((c) => {
      const latest = c.versions.at(-1)!;
      return wordsOf(latest.title).length > 0 && latest.body !== undefined;
    })!;
    const latest = chosen.versions.at(-1)!;
    const titleWord = wordsOf(latest.title)[0]!;
    const bodyText = storageOf(latest.body)
      .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, ' ')
      .replace(/<[^>]*>/g, ' ');
    const bodyWord = wordsOf(bodyText).find((w) => !latest.title.toLowerCase().includes(w.toLowerCase()))!;
    const page = await context.newPage();
    await page.goto(pathToFileURL(path.join(site, 'index.html')).href);
    await page.fill('.search-form input[name="q"]', `${titleWord} ${bodyWord}`);
    await Promise.all([
      page.waitForURL(/search\.html\?q=/),
      page.press('.search-form input[name="q"]', 'Enter'),
    ]);
    await page.waitForSelector('#search-results li');
    const hits = await page.$$eval('#search-results li a', (as) =>
      as.map((a) => (a as unknown as { href: string }).href),
    );
    assert.ok(
      hits.some((h) => h.endsWith(`/pages/${chosen.id}.html`)),
      `searching "${titleWord} ${bodyWord}" did not find page ${chosen.id} among ${hits.length} results`,
    );
    const first = hits.find((h) => h.endsWith(`/pages/${chosen.id}.html`))!;
    await page.goto(first);
    assert.match((await page.textContent('h1')) ?? '', new RegExp(titleWord));
    await page.close();
  });

  it('no request left file://', async () => {
    assert.equal(offending.length, 0, `requests outside file://: ${offending.join(', ')}`);
    // The guard itself works: a page that does reach for the network is caught.
    const page = await context.newPage();
    await page.setContent('<img src="http://192.0.2.1/probe.png">');
    await page.waitForTimeout(200);
    await page.close();
    assert.ok(
      offending.some((u) => u.startsWith('http://192.0.2.1/')),
      'the request guard saw nothing',
    );
  });
});
