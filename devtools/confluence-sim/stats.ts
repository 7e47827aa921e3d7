// Request counters that tests and benchmarks read: every request to the site (per endpoint and status, bytes
// out, 429s from the limit and from faults), every request to the media host (and whether it carried an
// `Authorization` header, which a client must never forward there), hits on the rogue host, and the changes
// that faults made to the site while a client was listing it.

export interface EndpointStats {
  requests: number;
  bytesOut: number;
  statuses: Record<string, number>;
}

export interface MediaStats {
  requests: number;
  bytesOut: number;
  /** Requests that carried an Authorization header (the site's credentials leaking cross-origin). */
  withAuthorization: number;
  authorizationValues: string[];
  truncated: number;
  statuses: Record<string, number>;
}

export interface FaultEvent {
  kind: string;
  path: string;
  detail?: string;
}

export interface StatsSnapshot {
  requests: number;
  bytesOut: number;
  /** Keyed by `METHOD /wiki/...route` (the gateway prefix removed). */
  endpoints: Record<string, EndpointStats>;
  statuses: Record<string, number>;
  rateLimited: number;
  injected: Record<string, number>;
  media: MediaStats;
  rogueHits: number;
  faultEvents: FaultEvent[];
}

function emptyMedia(): MediaStats {
  return {
    requests: 0,
    bytesOut: 0,
    withAuthorization: 0,
    authorizationValues: [],
    truncated: 0,
    statuses: {},
  };
}

export class SimStats {
  #requests = 0;
  #bytesOut = 0;
  #endpoints = new Map<string, EndpointStats>();
  #statuses: Record<string, number> = {};
  #rateLimited = 0;
  #injected: Record<string, number> = {};
  #media = emptyMedia();
  #rogueHits = 0;
  #faultEvents: FaultEvent[] = [];

  recordRequest(endpoint: string, status: number, bytesOut: number): void {
    this.#requests++;
    this.#bytesOut += bytesOut;
    this.#statuses[status] = (this.#statuses[status] ?? 0) + 1;
    let e = this.#endpoints.get(endpoint);
    if (!e) {
      e = { requests: 0, bytesOut: 0, statuses: {} };
      this.#endpoints.set(endpoint, e);
    }
    e.requests++;
    e.bytesOut += bytesOut;
    e.statuses[status] = (e.statuses[status] ?? 0) + 1;
  }

  recordRateLimited(): void {
    this.#rateLimited++;
  }

  recordInjected(kind: string): void {
    this.#injected[kind] = (this.#injected[kind] ?? 0) + 1;
  }

  recordFaultEvent(event: FaultEvent): void {
    this.#faultEvents.push(event);
  }

  recordMedia(status: number, bytesOut: number, authorization: string | undefined, truncated: boolean): void {
    const m = this.#media;
    m.requests++;
    m.bytesOut += bytesOut;
    m.statuses[status] = (m.statuses[status] ?? 0) + 1;
    if (authorization !== undefined) {
      m.withAuthorization++;
      if (m.authorizationValues.length < 20) m.authorizationValues.push(authorization);
    }
    if (truncated) m.truncated++;
  }

  /** Media bytes that flowed after the response was counted (streamed bodies). */
  addMediaBytes(bytes: number): void {
    this.#media.bytesOut += bytes;
  }

  recordRogueHit(): void {
    this.#rogueHits++;
  }

  snapshot(): StatsSnapshot {
    return structuredClone({
      requests: this.#requests,
      bytesOut: this.#bytesOut,
      endpoints: Object.fromEntries(this.#endpoints),
      statuses: this.#statuses,
      rateLimited: this.#rateLimited,
      injected: this.#injected,
      media: this.#media,
      rogueHits: this.#rogueHits,
      faultEvents: this.#faultEvents,
    });
  }

  reset(): void {
    this.#requests = 0;
    this.#bytesOut = 0;
    this.#endpoints.clear();
    this.#statuses = {};
    this.#rateLimited = 0;
    this.#injected = {};
    this.#media = emptyMedia();
    this.#rogueHits = 0;
    this.#faultEvents = [];
  }
}
