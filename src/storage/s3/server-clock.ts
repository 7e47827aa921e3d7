// The storage server's clock, learnt from the `Date` header of its answers. Object Lock retention is computed
// from it, so a skewed local clock can neither shorten nor lengthen what the policy asks for.

export class ServerClock {
  #offsetMs: number | undefined;
  readonly #localNow: () => number;

  constructor(localNow: () => number = Date.now) {
    this.#localNow = localNow;
  }

  /** Takes a `Date` header (RFC 7231, one-second resolution) seen now. */
  observe(header: string | undefined): void {
    if (!header) return;
    const server = Date.parse(header);
    if (Number.isNaN(server)) return;
    this.#offsetMs = server - this.#localNow();
  }

  /** Whether any answer has told the server's time yet. */
  get known(): boolean {
    return this.#offsetMs !== undefined;
  }

  /** The server's time now; undefined until an answer has told it. */
  now(): Date | undefined {
    return this.#offsetMs === undefined ? undefined : new Date(this.#localNow() + this.#offsetMs);
  }
}
