// Where requests may go. The site (or gateway) base gets the credentials; media hosts (where attachment
// downloads redirect) get no `Authorization` header; every other host is refused. Also turns the relative
// next links of lists into URLs: v2 links start with `/wiki/...`, v1 links are relative to `/wiki`, and with
// the gateway base (`https://api.atlassian.com/ex/confluence/{cloudId}`) both are prefixed with its path.

import { StepvaultError } from '../../../common/errors.ts';

export type HostRole = 'site' | 'media';

export class SiteUrls {
  /** Origin + path prefix before `/wiki`, e.g. `https://api.atlassian.com/ex/confluence/abc` (no slash at the end). */
  readonly base: string;
  readonly #origin: string;
  readonly #prefix: string;
  readonly #mediaHosts: Set<string>;

  constructor(baseUrl: string, mediaHosts: readonly string[]) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch (cause) {
      throw new StepvaultError('config', `Confluence base URL "${baseUrl}" is not a URL`, {
        hint: 'use https://<site>.atlassian.net or https://api.atlassian.com/ex/confluence/<cloudId>',
        cause,
      });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new StepvaultError('config', `Confluence base URL "${baseUrl}" must be http(s)`);
    }
    if (url.search !== '' || url.hash !== '') {
      throw new StepvaultError(
        'config',
        `Confluence base URL "${baseUrl}" must not have a query or fragment`,
      );
    }
    this.#prefix = url.pathname.replace(/\/+$/, '').replace(/\/wiki$/, '');
    this.#origin = url.origin;
    this.base = `${url.origin}${this.#prefix}`;
    this.#mediaHosts = new Set(mediaHosts.map((h) => h.toLowerCase()));
  }

  get siteHost(): string {
    return new URL(this.#origin).host;
  }

  /** The URL of a path relative to `/wiki` (e.g. `/api/v2/pages`). */
  wiki(path: string, query = ''): string {
    return `${this.base}/wiki${path}${query === '' ? '' : `?${query}`}`;
  }

  /** A next link as lists return it, made absolute; undefined if it points to a host we must not contact. */
  next(link: string): string | undefined {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) return this.role(link) === 'site' ? link : undefined;
    if (this.#prefix !== '' && link.startsWith(`${this.#prefix}/`)) return `${this.#origin}${link}`;
    if (link.startsWith('/wiki/')) return `${this.base}${link}`;
    return `${this.base}/wiki${link.startsWith('/') ? '' : '/'}${link}`;
  }

  /** Who a URL belongs to: the site (credentials allowed), a media host (no credentials), or nobody. */
  role(url: string | URL): HostRole | undefined {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    if (parsed.origin === this.#origin) return 'site';
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    if (this.#origin.startsWith('https:') && parsed.protocol !== 'https:') return undefined; // no downgrade
    return this.#mediaHosts.has(parsed.host.toLowerCase()) ? 'media' : undefined;
  }
}
