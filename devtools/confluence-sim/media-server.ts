// The media host (standing for api.media.atlassian.com) on its own port, so it is another origin than the site:
// it serves attachment bytes for URLs signed by the site's download redirect, needs no Authorization header and
// records any it receives (a client must not forward the site's credentials across the redirect). Supports
// Range requests; the truncation fault sends fewer bytes than Content-Length and drops the connection. Also the
// rogue host: any request to it is counted, since a client must refuse redirects to hosts it was not given.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chunksOf, sizeOf } from './attachment-bytes.ts';
import type { FaultInjector } from './faults.ts';
import type { MediaLinks, SimSettings } from './http-context.ts';
import type { Attachment } from './model.ts';
import type { SimStats } from './stats.ts';
import type { SimStore } from './store.ts';

/** How long a signed media URL stays valid. */
export const MEDIA_URL_TTL_MS = 15 * 60 * 1000;

interface Claims {
  a: string; // attachment id
  v: number; // version
  e: number; // expiry, epoch ms
}

export class MediaSigner implements MediaLinks {
  readonly #secret: string;
  readonly #store: SimStore;
  mediaOrigin = '';
  rogueOrigin = '';

  constructor(secret: string, store: SimStore) {
    this.#secret = secret;
    this.#store = store;
  }

  #token(claims: Claims): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = createHmac('sha256', this.#secret).update(payload).digest('base64url');
    return `${payload}.${signature}`;
  }

  #path(att: Attachment, version: number): string {
    const v = att.versions.find((x) => x.number === version)!;
    const token = this.#token({
      a: att.id,
      v: version,
      e: this.#store.clock.now().getTime() + MEDIA_URL_TTL_MS,
    });
    return `/file/${v.fileId}/binary?token=${token}&client=stepvault-sim&dl=true&name=${encodeURIComponent(v.title)}`;
  }

  signedUrl(att: Attachment, version: number): string {
    return `${this.mediaOrigin}${this.#path(att, version)}`;
  }

  rogueUrl(att: Attachment, version: number): string {
    return `${this.rogueOrigin}${this.#path(att, version)}`;
  }

  /** The claims of a valid, unexpired token. */
  verify(token: string): Claims | undefined {
    const [payload, signature] = token.split('.');
    if (!payload || !signature) return undefined;
    const expected = createHmac('sha256', this.#secret).update(payload).digest('base64url');
    if (
      signature.length !== expected.length ||
      !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
    )
      return undefined;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
    return claims.e > this.#store.clock.now().getTime() ? claims : undefined;
  }
}

export interface MediaDeps {
  store: SimStore;
  signer: MediaSigner;
  stats: SimStats;
  faults: FaultInjector;
  settings: SimSettings;
  sleep: (ms: number) => Promise<void>;
}

function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'invalid' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  }
  return start >= size || start >= end ? 'invalid' : { start, end };
}

/** Resolves when the response can take more data or is gone; leaves no listener behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function serve(deps: MediaDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const authorization = req.headers.authorization;
  const url = new URL(req.url ?? '/', 'http://media');
  if (deps.settings.latencyMs > 0) await deps.sleep(deps.settings.latencyMs);
  const fail = (status: number, message: string) => {
    deps.stats.recordMedia(status, 0, authorization, false);
    res
      .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(message) })
      .end(message);
  };
  const match = /^\/file\/([^/]+)\/binary$/.exec(url.pathname);
  const claims = deps.signer.verify(url.searchParams.get('token') ?? '');
  const att = claims ? deps.store.attachments.get(claims.a) : undefined;
  const version = att?.versions.find((v) => v.number === claims?.v);
  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, '{"error":"method not allowed"}');
  if (!match || !claims) return fail(401, '{"error":"invalid or expired token"}');
  if (!version || version.fileId !== match[1]) return fail(404, '{"error":"file not found"}');
  const size = sizeOf(version.bytes);
  const range = parseRange(req.headers.range, size);
  if (range === 'invalid') {
    deps.stats.recordMedia(416, 0, authorization, false);
    res.writeHead(416, { 'content-range': `bytes */${size}`, 'content-length': 0 }).end();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size;
  const headers: Record<string, string | number> = {
    'content-type': version.mediaType,
    'content-length': end - start,
    'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(version.title)}`,
    'accept-ranges': 'bytes',
    etag: `"${version.fileId}"`,
  };
  if (range) headers['content-range'] = `bytes ${start}-${end - 1}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') {
    deps.stats.recordMedia(range ? 206 : 200, 0, authorization, false);
    res.end();
    return;
  }
  const cut = deps.faults.truncateAt(`${url.pathname}:${start}`, end - start);
  const stop = cut === undefined ? end : start + cut;
  deps.stats.recordMedia(range ? 206 : 200, 0, authorization, cut !== undefined);
  let sent = 0;
  for (const chunk of chunksOf(version.bytes, start, stop)) {
    if (res.destroyed) break;
    sent += chunk.length;
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  deps.stats.addMediaBytes(sent);
  if (cut !== undefined) {
    deps.stats.recordFaultEvent({
      kind: 'truncated-download',
      path: url.pathname,
      detail: `${sent} of ${end - start} bytes`,
    });
    res.socket?.destroy();
    return;
  }
  res.end();
}

/** Starts the media listener; resolves with its origin. */
export async function startMediaServer(
  deps: MediaDeps,
  host: string,
): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    serve(deps, req, res).catch(() => res.destroy());
  });
  return listen(server, host);
}

/** Starts the rogue listener: counts every request and answers with bytes that are not the file. */
export async function startRogueServer(
  stats: SimStats,
  host: string,
): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    stats.recordRogueHit();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 5 }).end('rogue');
  });
  return listen(server, host);
}

async function listen(server: Server, host: string): Promise<{ server: Server; origin: string }> {
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
}
