// Counters of one client: requests by endpoint template, retries, 429s, 5xx, network errors, bytes per
// direction (API and media apart), limiter waits, download resumes, refused redirects and the last quota state.

import type { ClientStats } from './client-types.ts';
import type { QuotaState } from './rate-limit-headers.ts';

export class ClientStatsRecorder {
  readonly requests = new Map<string, number>();
  totalRequests = 0;
  retries = 0;
  rateLimited = 0;
  serverErrors = 0;
  networkErrors = 0;
  apiBytes = 0;
  mediaBytes = 0;
  bytesUploaded = 0;
  limiterWaitMs = 0;
  downloadResumes = 0;
  refusedRedirects = 0;
  quota: QuotaState | undefined;

  request(key: string): void {
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.totalRequests++;
  }

  snapshot(concurrencyLimit: number, learntRatePerSecond: number | undefined): ClientStats {
    return {
      requests: Object.fromEntries([...this.requests].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      totalRequests: this.totalRequests,
      retries: this.retries,
      rateLimited: this.rateLimited,
      serverErrors: this.serverErrors,
      networkErrors: this.networkErrors,
      bytesDownloaded: { api: this.apiBytes, media: this.mediaBytes },
      bytesUploaded: this.bytesUploaded,
      limiterWaitMs: this.limiterWaitMs,
      downloadResumes: this.downloadResumes,
      refusedRedirects: this.refusedRedirects,
      ...(this.quota ? { quota: this.quota } : {}),
      concurrencyLimit,
      learntRatePerSecond,
    };
  }
}
