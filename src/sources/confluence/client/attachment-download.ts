// Attachment bytes: v1 `GET /content/{containerId}/child/attachment/{attachmentId}/download` answers 302 to a
// signed URL on the media host (another origin), which serves the file. The credentials never go there (the
// media request carries no Authorization), and a redirect to a host that is neither the site nor a configured
// media host is refused before it is contacted. The bytes are streamed, never held whole; a response that ends
// early (fewer bytes than its length, a dropped connection) is resumed with `Range` from the last byte
// received (a server that ignores Range and sends 200 is skipped forward), and an expired link (401/403 after
// 15 minutes) is replaced by asking the site for a new redirect.

import { StepvaultError } from '../../../common/errors.ts';
import type { AttachmentDownload } from './client-types.ts';
import type { Endpoint } from './endpoint.ts';
import { httpError } from './http-errors.ts';
import { type HttpTransport, interrupted } from './http-transport.ts';
import { backoffMs } from './retry-policy.ts';

const MEDIA_KEY = 'GET (media host)';

interface Opened {
  response: Response;
  /** Bytes of the response to drop before the wanted offset (a 200 answer to a Range request). */
  skip: number;
}

export class DownloadSession {
  readonly #transport: HttpTransport;
  readonly #target: Endpoint;
  readonly #signal: AbortSignal | undefined;
  /** The signed URL, or undefined until asked for (and after it expired). */
  #mediaUrl: URL | undefined;
  /** Whether the current URL is on the site itself (then it gets the credentials and the limiter). */
  #onSite = false;

  constructor(transport: HttpTransport, target: Endpoint, signal: AbortSignal | undefined) {
    this.#transport = transport;
    this.#target = target;
    this.#signal = signal;
  }

  /** Asks the site where the bytes are; follows redirects on the site, stops at a media host. */
  async #resolve(): Promise<Opened | undefined> {
    const { urls, stats } = this.#transport.options;
    let url: string | undefined;
    for (let hops = 0; hops < 5; hops++) {
      const { response, url: from } = await this.#transport.open({
        method: 'GET',
        target: this.#target,
        ...(url ? { url } : {}),
        headers: { accept: '*/*' },
        signal: this.#signal,
      });
      if (response.status >= 200 && response.status < 300) {
        this.#onSite = true;
        this.#mediaUrl = new URL(from);
        return { response, skip: 0 };
      }
      const location = response.headers.get('location');
      await response.body?.cancel().catch(() => {});
      if (location === null)
        throw httpError(response.status, `GET /wiki${this.#target.template}`, 'redirect without Location');
      const next = new URL(location, from);
      const role = urls.role(next);
      if (role === 'media') {
        this.#mediaUrl = next;
        this.#onSite = false;
        return undefined;
      }
      if (role !== 'site') {
        stats.refusedRedirects++;
        throw new StepvaultError(
          'io',
          `Refused the attachment download redirect of GET /wiki${this.#target.template} to ${next.host}: not a configured media host`,
          {
            hint: 'Cloud redirects to api.media.atlassian.com; add other media hosts to mediaHosts only if you trust them',
          },
        );
      }
      url = next.toString();
    }
    throw new StepvaultError('io', `Too many redirects downloading GET /wiki${this.#target.template}`);
  }

  /** Opens the bytes from `offset` on, retrying failures and renewing an expired link. */
  async open(offset: number): Promise<Opened> {
    const { retry, random, stats, fetch, userAgent } = this.#transport.options;
    let failures = 0;
    for (;;) {
      if (this.#signal?.aborted) throw interrupted(this.#signal);
      if (this.#mediaUrl === undefined || (this.#onSite && offset === 0)) {
        const direct = await this.#resolve();
        if (direct && offset === 0) return direct;
        await direct?.response.body?.cancel().catch(() => {});
      }
      const url = this.#mediaUrl!;
      // Identity encoding, so that Content-Length and Range count the file's own bytes.
      const headers: Record<string, string> = { 'user-agent': userAgent, 'accept-encoding': 'identity' };
      if (offset > 0) headers.range = `bytes=${offset}-`;
      let response: Response;
      try {
        if (this.#onSite) {
          ({ response } = await this.#transport.open({
            method: 'GET',
            target: this.#target,
            url: url.toString(),
            headers,
            pass: [416],
            signal: this.#signal,
          }));
        } else {
          stats.request(MEDIA_KEY);
          // No Authorization here: the signed URL is the credential, and the site's must not leave the site.
          response = await fetch(url, {
            headers,
            redirect: 'manual',
            ...(this.#signal ? { signal: this.#signal } : {}),
          });
        }
      } catch (cause) {
        if (this.#signal?.aborted) throw interrupted(this.#signal, cause);
        if (cause instanceof StepvaultError) throw cause;
        stats.networkErrors++;
        stats.retries++;
        if (++failures >= retry.maxAttempts) throw this.#failed(cause);
        await this.#sleep(backoffMs(failures, retry, random));
        continue;
      }
      const status = response.status;
      if (status === 200 || status === 206) {
        const start = status === 206 ? contentRangeStart(response.headers) : 0;
        if (start === undefined || start > offset) {
          await response.body?.cancel().catch(() => {});
          throw new StepvaultError(
            'io',
            `The media host answered a Range request for byte ${offset} from byte ${start}`,
          );
        }
        return { response, skip: offset - start };
      }
      await response.body?.cancel().catch(() => {});
      if (status === 416 && offset > 0) return { response: new Response(new Uint8Array(0)), skip: 0 };
      if (
        status === 401 ||
        status === 403 ||
        status === 404 ||
        status === 410 ||
        (status >= 300 && status < 400)
      ) {
        // An expired or refused signed URL: ask the site for a new one.
        this.#mediaUrl = undefined;
        stats.downloadResumes++;
      } else if (status >= 500 || status === 429) {
        stats.serverErrors++;
      } else {
        throw httpError(status, MEDIA_KEY, '');
      }
      if (++failures >= retry.maxAttempts) throw this.#failed(new Error(`status ${status}`));
      if (status >= 500 || status === 429) await this.#sleep(backoffMs(failures, retry, random));
    }
  }

  #failed(cause: unknown): StepvaultError {
    return new StepvaultError('io', `Downloading GET /wiki${this.#target.template} kept failing`, {
      retryable: true,
      cause,
    });
  }

  async #sleep(ms: number): Promise<void> {
    try {
      await this.#transport.options.sleep(ms, this.#signal);
    } catch (cause) {
      throw interrupted(this.#signal, cause);
    }
  }
}

function contentRangeStart(headers: Headers): number | undefined {
  const match = /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(headers.get('content-range') ?? '');
  return match ? Number(match[1]) : undefined;
}

function totalSize(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding !== 'identity') return undefined; // the length counts encoded bytes
  if (response.status === 206) {
    const match = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
    return match ? Number(match[1]) : undefined;
  }
  const length = response.headers.get('content-length');
  return length === null || length === '' ? undefined : Number(length);
}

/** Opens a download (the first request happens now, so a 404 rejects here) and streams it with resumes. */
export async function openDownload(
  transport: HttpTransport,
  target: Endpoint,
  signal: AbortSignal | undefined,
): Promise<AttachmentDownload> {
  const session = new DownloadSession(transport, target, signal);
  const first = await session.open(0);
  const size = totalSize(first.response);
  const mediaType = first.response.headers.get('content-type') ?? undefined;
  const { stats, retry } = transport.options;
  let used = false;

  async function* stream(): AsyncGenerator<Uint8Array> {
    let current: Opened | undefined = first;
    let received = 0;
    let stalls = 0;
    try {
      for (;;) {
        const { response } = current;
        let skip = current.skip;
        const before = received;
        try {
          if (response.body) {
            for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
              stats.mediaBytes += chunk.byteLength;
              let part = chunk;
              if (skip > 0) {
                const dropped = Math.min(skip, part.byteLength);
                skip -= dropped;
                part = part.subarray(dropped);
                if (part.byteLength === 0) continue;
              }
              received += part.byteLength;
              if (size !== undefined && received > size) {
                throw new StepvaultError(
                  'corrupt',
                  `The media host sent more than the ${size} bytes it announced for GET /wiki${target.template}`,
                );
              }
              yield part;
            }
          }
          if (size === undefined || received === size) return;
        } catch (cause) {
          if (cause instanceof StepvaultError) throw cause;
          if (signal?.aborted) throw interrupted(signal, cause);
          stats.networkErrors++;
        }
        // Truncated (ended early or the connection dropped): resume from here.
        stalls = received > before ? 0 : stalls + 1;
        if (stalls >= retry.maxAttempts) {
          throw new StepvaultError(
            'io',
            `Downloading GET /wiki${target.template} stopped at byte ${received} of ${size ?? '?'}`,
            {
              retryable: true,
            },
          );
        }
        stats.downloadResumes++;
        current = undefined;
        current = await session.open(received);
      }
    } finally {
      await current?.response.body?.cancel().catch(() => {});
    }
  }

  return {
    size,
    mediaType,
    [Symbol.asyncIterator]: () => {
      if (used) throw new StepvaultError('internal', 'an attachment download can be read only once');
      used = true;
      return stream();
    },
  };
}
