// Injectable faults. Each decision is a pure function of the seed, the request (method and URL) and how many
// times that same request was made before, so a run is repeatable even when a client sends requests
// concurrently in a different order, and a retried request gets a fresh roll (transient faults clear up).
// Ids listed in `failIds` fail every time: the "unrecoverable item" case; ids in `hideFromBatch` are left out of
// batch reads by id only.

import { Prng, uniform } from './prng.ts';

export interface FaultConfig {
  /** @default 1 */
  seed?: number;
  /** Probability that a site request is answered 429 (with Retry-After) before it is served. */
  rate429?: number;
  /** Probability that a site request fails with 500, 502, 503 or 504. */
  rate5xx?: number;
  /** Probability and extra delay of slow responses. */
  slow?: { probability: number; delayMs: number };
  /** Probability that a media download is cut short (fewer bytes than Content-Length, then the connection drops). */
  truncateDownloads?: number;
  /** Probability that the site changes (page created, edited, moved, trashed or purged) before a continuation
   * page of a listing is served. */
  mutateDuringListing?: number;
  /** On this page of a listing (1-based, >= 2), the next link points `back` pages back (default 2): a cycle. */
  cursorCycle?: { atPage: number; back?: number };
  /** Probability that a download redirects to the rogue host instead of the media host. */
  rogueRedirect?: number;
  /** Content or attachment ids whose every request fails with 500. */
  failIds?: string[];
  /** Page and blog post ids that batch reads by id (`GET /pages?id=…`) leave out although a single read of
   * the id still finds them (as Cloud's batch reads may). */
  hideFromBatch?: string[];
  /** Retry-After (seconds) on injected 429s and 503s. @default 1 */
  retryAfterSeconds?: number;
}

export type RequestFault =
  | { kind: 'rate429' }
  | { kind: 'server'; status: 500 | 502 | 503 | 504 }
  | { kind: 'permanent'; id: string };

const SERVER_STATUSES = [500, 502, 503, 504] as const;

export class FaultInjector {
  #config: FaultConfig = {};
  readonly #attempts = new Map<string, number>();
  /** Cursors issued per listing, in page order: `issued[i]` fetches page i + 2. */
  readonly #issued = new Map<string, string[]>();

  get config(): FaultConfig {
    return this.#config;
  }

  set(config: FaultConfig): void {
    this.#config = { ...config };
    this.#attempts.clear();
    this.#issued.clear();
  }

  clear(): void {
    this.set({});
  }

  #roll(kind: string, key: string): number {
    const attemptKey = `${kind} ${key}`;
    const attempt = (this.#attempts.get(attemptKey) ?? 0) + 1;
    this.#attempts.set(attemptKey, attempt);
    return uniform(this.#config.seed ?? 1, kind, key, attempt);
  }

  /** Whether a batch read by id leaves this id out (`hideFromBatch`). */
  hiddenFromBatch(id: string): boolean {
    return this.#config.hideFromBatch?.includes(id) ?? false;
  }

  get retryAfterSeconds(): number {
    return this.#config.retryAfterSeconds ?? 1;
  }

  /** The fault (if any) to answer a site request with, and extra delay in ms. */
  forRequest(method: string, url: string): { fault: RequestFault | undefined; delayMs: number } {
    const c = this.#config;
    const key = `${method} ${url}`;
    const failing = c.failIds?.find((id) => new RegExp(`/${id}(/|$|\\?)`).test(url));
    let fault: RequestFault | undefined;
    if (failing !== undefined) fault = { kind: 'permanent', id: failing };
    else if (c.rate429 && this.#roll('429', key) < c.rate429) fault = { kind: 'rate429' };
    else if (c.rate5xx && this.#roll('5xx', key) < c.rate5xx) {
      fault = { kind: 'server', status: SERVER_STATUSES[Math.floor(this.#roll('5xx-status', key) * 4)]! };
    }
    const slow = c.slow && this.#roll('slow', key) < c.slow.probability ? c.slow.delayMs : 0;
    return { fault, delayMs: slow };
  }

  /** Bytes to send before cutting a download of `size` bytes short, or undefined to send it whole. */
  truncateAt(url: string, size: number): number | undefined {
    const p = this.#config.truncateDownloads;
    if (!p || size === 0 || this.#roll('truncate', url) >= p) return undefined;
    return Math.floor(this.#roll('truncate-at', url) * size);
  }

  redirectToRogue(url: string): boolean {
    const p = this.#config.rogueRedirect;
    return p !== undefined && p > 0 && this.#roll('rogue', url) < p;
  }

  /** A seeded generator for one change to the site, when a mutation fires for this continuation request. */
  mutationFor(url: string): Prng | undefined {
    const p = this.#config.mutateDuringListing;
    if (!p || this.#roll('mutate', url) >= p) return undefined;
    return new Prng('mutation', this.#config.seed ?? 1, url, this.#attempts.get(`mutate ${url}`) ?? 0);
  }

  /**
   * The cursor to put in the next link of a listing page. `listing` identifies the listing (path and query
   * without the cursor), `current` is the cursor this page was fetched with (undefined on page 1).
   */
  nextCursor(listing: string, current: string | undefined, next: string): string {
    let issued = this.#issued.get(listing);
    if (!issued) {
      issued = [];
      this.#issued.set(listing, issued);
    }
    const page = current === undefined ? 1 : issued.indexOf(current) + 2; // 1 when unknown: treat as a start
    const cycle = this.#config.cursorCycle;
    if (cycle && page >= 2 && page === cycle.atPage) {
      const target = issued[page - 1 - (cycle.back ?? 2)];
      if (target !== undefined) return target;
    }
    if (issued.length === page - 1) issued.push(next);
    return next;
  }
}
