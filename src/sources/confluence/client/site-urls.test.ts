// Which hosts a client may contact and with what, and how relative next links become URLs for the site and
// for the api.atlassian.com gateway base.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStepvaultError } from '../../../common/errors.ts';
import { SiteUrls } from './site-urls.ts';

const MEDIA = ['api.media.atlassian.com'];

describe('SiteUrls', () => {
  const site = new SiteUrls('https://acme.atlassian.net/', MEDIA);
  const gateway = new SiteUrls('https://api.atlassian.com/ex/confluence/c0ffee/wiki', MEDIA);

  it('puts the API under /wiki of the base, the gateway path included', () => {
    assert.equal(
      site.wiki('/api/v2/pages', 'limit=250'),
      'https://acme.atlassian.net/wiki/api/v2/pages?limit=250',
    );
    assert.equal(
      gateway.wiki('/rest/api/user'),
      'https://api.atlassian.com/ex/confluence/c0ffee/wiki/rest/api/user',
    );
  });

  it('resolves v2 next links (from /wiki) and v1 next links (relative to /wiki)', () => {
    assert.equal(
      site.next('/wiki/api/v2/pages?cursor=x'),
      'https://acme.atlassian.net/wiki/api/v2/pages?cursor=x',
    );
    assert.equal(
      site.next('/rest/api/content/search?cursor=y'),
      'https://acme.atlassian.net/wiki/rest/api/content/search?cursor=y',
    );
    assert.equal(
      gateway.next('/wiki/api/v2/pages?cursor=x'),
      'https://api.atlassian.com/ex/confluence/c0ffee/wiki/api/v2/pages?cursor=x',
    );
    assert.equal(
      gateway.next('/ex/confluence/c0ffee/wiki/api/v2/pages?cursor=x'),
      'https://api.atlassian.com/ex/confluence/c0ffee/wiki/api/v2/pages?cursor=x',
    );
    assert.equal(
      site.next('https://acme.atlassian.net/wiki/api/v2/pages?cursor=z'),
      'https://acme.atlassian.net/wiki/api/v2/pages?cursor=z',
    );
    assert.equal(site.next('https://evil.example/wiki/api/v2/pages'), undefined);
  });

  it('keeps every relative next link on the base', () => {
    const segments = fc
      .array(fc.stringMatching(/^[A-Za-z0-9._~%=&?-]{0,10}$/), { maxLength: 6 })
      .map((parts) => parts.join('/'));
    fc.assert(
      fc.property(segments, fc.boolean(), (p, withWiki) => {
        const link = `${withWiki ? '/wiki' : ''}/${p.replace(/^\/+/, '')}`;
        for (const urls of [site, gateway]) {
          const url = urls.next(link);
          assert.ok(url?.startsWith(`${urls.base}/wiki/`), `${link} -> ${url}`);
        }
      }),
    );
  });

  it('gives credentials to the site only, media hosts nothing, and refuses anything else', () => {
    assert.equal(site.role('https://acme.atlassian.net/wiki/x'), 'site');
    assert.equal(site.role('https://api.media.atlassian.com/file/1/binary?token=t'), 'media');
    assert.equal(
      site.role('http://api.media.atlassian.com/file/1/binary'),
      undefined,
      'no downgrade to http',
    );
    assert.equal(
      site.role('https://acme.atlassian.net:8443/wiki/x'),
      undefined,
      'another port is another origin',
    );
    assert.equal(site.role('https://media.evil.example/file'), undefined);
    assert.equal(site.role('ftp://api.media.atlassian.com/file'), undefined);
    const local = new SiteUrls('http://127.0.0.1:4000', ['localhost:4001']);
    assert.equal(local.role('http://localhost:4001/file/x'), 'media');
    assert.equal(local.role('http://localhost:4002/file/x'), undefined);
  });

  it('refuses a base URL with a query, or of another scheme', () => {
    for (const bad of ['https://acme.atlassian.net/?x=1', 'ftp://acme.atlassian.net', 'acme']) {
      assert.throws(
        () => new SiteUrls(bad, MEDIA),
        (error) => isStepvaultError(error, 'config'),
      );
    }
  });
});
