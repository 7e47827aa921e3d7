// Test support: an HTTP proxy on loopback, in front of an S3 server, that injects the faults a remote object store
// shows (503 SlowDown, 500 InternalError, reset connections, GET bodies cut short or damaged on the way) at seeded,
// reproducible rates.
//
// Contract:
// - Every request is forwarded as the client sent it: method, path and query, and the raw headers (the Host header
//   unchanged, so SigV4 signatures still verify); only hop-by-hop headers (Connection, Keep-Alive, ...) are
//   dropped. Bodies stream both ways with backpressure: memory stays flat whatever the object's size.
// - Which fault, if any, hits a request depends only on the seed, the request's method, path+query and Range
//   header, and its attempt number: how many earlier requests with the same method, path+query and Range this
//   proxy has seen. HMAC-SHA-256(seed, attempt|method|path|range) is read as two numbers in [0,1): the first picks
//   the fault from the mix's intervals, the second where in the body a cut or reset falls. The client's
//   concurrency and timing change nothing, as long as the attempts of one request are sent one after another.
// - 503/500 are answered by the proxy without contacting the upstream, with S3's XML error body. It first reads
//   and discards the request body (a server that took the upload and refused it), except when the client sent
//   `Expect: 100-continue`: then it answers at once instead of `100 Continue` and closes the connection, as S3
//   does, and the client never sends the body. Either way the client can send the request again.
// - resetBeforeForward resets the client's connection (RST) before anything reaches the upstream;
//   resetDuringResponse lets the upstream execute the request (a PUT is stored) and resets the connection part-way
//   through the response (after the headers and a part of the body, or before the status line if there is no
//   body); truncateBody (GET only) forwards status and headers (Content-Length still the full length) and ends the
//   connection (FIN) after a part of the body, so the client sees a premature close; corruptBody (GET only) forwards
//   the whole response with one byte of the body inverted (at the drawn fraction of its length): same length, same
//   headers, wrong bytes, as a faulty network card or middlebox would hand them on.
// - Traffic is counted per kind of request (its method, or what `classify` names it): requests received, request
//   body bytes forwarded to the upstream and response body bytes passed on to the client.

import { createHmac, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Transform } from 'node:stream';

export type FaultKind =
  | 'slowDown'
  | 'internalError'
  | 'resetBeforeForward'
  | 'resetDuringResponse'
  | 'truncateBody'
  | 'corruptBody';

/** In the order their intervals are laid out on [0,1). */
export const FAULT_KINDS: readonly FaultKind[] = [
  'slowDown',
  'internalError',
  'resetBeforeForward',
  'resetDuringResponse',
  'truncateBody',
  'corruptBody',
];

/**
 * The probability of each fault per request attempt; they must sum to at most 1. `truncateBody` and `corruptBody` are
 * drawn only for GET requests: for other methods their share of [0,1) means no fault.
 */
export type FaultMix = Partial<Record<FaultKind, number>>;

/** 20% 503 SlowDown, 5% 500 InternalError, 5% connection resets (half before, half after the upstream answered),
 * 10% of GET bodies cut short; no damaged bodies (a store that damages bytes is a test of its own). */
export const DEFAULT_FAULT_MIX: Readonly<Record<FaultKind, number>> = {
  slowDown: 0.2,
  internalError: 0.05,
  resetBeforeForward: 0.025,
  resetDuringResponse: 0.025,
  truncateBody: 0.1,
  corruptBody: 0,
};

/** Faults that only a response body can carry: drawn for GET requests only. */
const BODY_FAULTS: ReadonlySet<FaultKind> = new Set(['truncateBody', 'corruptBody']);

export interface FaultRequest {
  method: string;
  /** Path and query as on the request line. */
  path: string;
  /** The Range header, '' when absent. */
  range: string;
}

export interface FaultDecision {
  fault: FaultKind | undefined;
  /** Where in the response body a cut or reset falls, as a fraction of its length, in [0,1). */
  fraction: number;
}

export interface FaultProxyEvent extends FaultRequest, FaultDecision {
  attempt: number;
  /** True when the mix drew a fault that maxConsecutive or the run-time switch turned into a plain forward. */
  suppressed: boolean;
}

/** Requests of one kind, and the body bytes they carried through the proxy. */
export interface TrafficCount {
  requests: number;
  /** Request body bytes forwarded to the upstream (bodies of requests answered with a fault are not). */
  requestBodyBytes: number;
  /** Response body bytes from the upstream passed on to the client. */
  responseBodyBytes: number;
}

export interface FaultProxyStats {
  /** Every request the proxy received. */
  requests: number;
  /** Requests sent on to the upstream (including those whose response is then reset or cut short). */
  forwarded: number;
  /**
   * Faults actually injected, by kind (a truncateBody or corruptBody drawn for a response without a body, or a
   * corruptBody whose position lies beyond the body's end, is not counted).
   */
  faults: Record<FaultKind, number>;
  /** Requests the upstream failed to answer (connection refused or lost); the client got 502 or a reset. */
  upstreamErrors: number;
  /** By kind of request: the method, or the name `classify` gives it. */
  traffic: Record<string, TrafficCount>;
}

export interface FaultProxyOptions {
  /** The upstream's origin, e.g. `http://127.0.0.1:7480`. */
  upstream: string;
  seed: string | Uint8Array;
  /** The mix for every method; DEFAULT_FAULT_MIX when omitted. Pass `{}` for none. */
  faults?: FaultMix;
  /** A mix per method (upper-case), replacing `faults` for that method. */
  faultsByMethod?: Record<string, FaultMix>;
  /**
   * Faults are drawn only for the requests this accepts (every request by default); the others are forwarded
   * untouched. Attempts are counted for all.
   */
  only?: (request: FaultRequest) => boolean;
  /** At most this many faults in a row for one request (method, path+query, Range); unlimited by default. */
  maxConsecutive?: number;
  /** Added before each request is answered or forwarded, to imitate a remote store. */
  latencyMs?: number;
  /** Called once per request, when its fault is decided. */
  onRequest?: (event: FaultProxyEvent) => void;
  /**
   * Called when the upstream answered a forwarded request, with its status, before the answer (or the fault in
   * it) goes to the client: a fault in the body of a final answer (a 404, a 412) leaves the client its status.
   */
  onResponse?: (event: FaultProxyEvent & { status: number }) => void;
  /** Faults start switched on unless this is false. */
  faultsEnabled?: boolean;
  /** The kind a request is counted under in `stats().traffic`; its method when omitted. */
  classify?: (request: FaultRequest) => string;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: the endpoint to give the S3 client. */
  endpoint: string;
  /** A copy of the counters. */
  stats(): FaultProxyStats;
  resetStats(): void;
  /** Off: every request is forwarded untouched (attempts are still counted). */
  setFaultsEnabled(enabled: boolean): void;
  /** Attempt numbers start again from 0 for every request. */
  forgetAttempts(): void;
  /**
   * Resolves once no forwarded exchange is open. A request whose client went away after sending its whole body
   * is still carried out upstream (its answer dropped), as a server would: after this, what the upstream stored
   * is final, so a test that kills a client can look at the store without racing the requests it left behind.
   */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** The fault for one attempt of one request: a pure function of its arguments. */
export function decideFault(
  seed: string | Uint8Array,
  request: FaultRequest,
  attempt: number,
  mix: FaultMix,
): FaultDecision {
  const digest = createHmac('sha256', seed)
    .update(`${attempt}\n${request.method}\n${request.path}\n${request.range}`)
    .digest();
  const pick = digest.readUIntBE(0, 6) / 2 ** 48;
  const fraction = digest.readUIntBE(6, 6) / 2 ** 48;
  let upper = 0;
  for (const kind of FAULT_KINDS) {
    upper += mix[kind] ?? 0;
    if (pick < upper) {
      const applies = !BODY_FAULTS.has(kind) || request.method === 'GET';
      return { fault: applies ? kind : undefined, fraction };
    }
  }
  return { fault: undefined, fraction };
}

function checkMix(mix: FaultMix, where: string): void {
  let sum = 0;
  for (const [kind, rate] of Object.entries(mix)) {
    if (!FAULT_KINDS.includes(kind as FaultKind)) throw new Error(`${where}: unknown fault kind ${kind}`);
    if (!(rate >= 0 && rate <= 1))
      throw new Error(`${where}: the rate of ${kind} must be in [0,1], got ${rate}`);
    sum += rate;
  }
  if (sum > 1 + 1e-9) throw new Error(`${where}: the fault rates sum to ${sum}, more than 1`);
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

/** Raw headers (name, value, name, value...) without hop-by-hop ones, names and order as received. */
function endToEndHeaders(raw: string[]): string[] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') {
      for (const token of raw[i + 1]!.split(',')) named.add(token.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name) && !named.has(name)) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

function s3ErrorBody(code: string, message: string, resource: string): string {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const hostId = randomBytes(24).toString('base64');
  const escaped = resource.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message><Resource>${escaped}</Resource>` +
    `<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`
  );
}

const ERROR_ANSWERS = {
  slowDown: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
  internalError: {
    status: 500,
    code: 'InternalError',
    message: 'We encountered an internal error. Please try again.',
  },
} as const;

function emptyStats(): FaultProxyStats {
  return {
    requests: 0,
    forwarded: 0,
    faults: {
      slowDown: 0,
      internalError: 0,
      resetBeforeForward: 0,
      resetDuringResponse: 0,
      truncateBody: 0,
      corruptBody: 0,
    },
    upstreamErrors: 0,
    traffic: {},
  };
}

/** Whether a response to `method` with this status and these headers carries a body. */
function hasBody(method: string, response: http.IncomingMessage): boolean {
  const status = response.statusCode ?? 0;
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) return false;
  const length = response.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return response.headers['transfer-encoding'] !== undefined;
}

/**
 * Sends `limit` bytes of `source` to `res` (respecting backpressure), then calls `done` once they have been handed
 * to the operating system. The rest of `source` is discarded.
 */
function relayPrefix(
  source: http.IncomingMessage,
  res: http.ServerResponse,
  limit: number,
  done: () => void,
  onBytes: (n: number) => void,
): void {
  let sent = 0;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    source.removeListener('data', onData);
    source.destroy();
    // An empty write's callback runs once everything written before it has been flushed.
    res.write(Buffer.alloc(0), () => done());
  };
  const onData = (chunk: Buffer): void => {
    const take = Math.min(chunk.length, limit - sent);
    sent += take;
    onBytes(take);
    const more = take > 0 ? res.write(chunk.subarray(0, take)) : true;
    if (sent >= limit) finish();
    else if (!more) {
      source.pause();
      res.once('drain', () => source.resume());
    }
  };
  if (limit <= 0) {
    res.flushHeaders();
    finish();
    return;
  }
  source.on('data', onData);
  source.on('end', finish);
}

/** Starts the proxy on 127.0.0.1 on a free port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:')
    throw new Error(`the fault proxy forwards to http:// only, got ${upstream}`);
  const defaultMix = options.faults ?? DEFAULT_FAULT_MIX;
  checkMix(defaultMix, 'faults');
  for (const [method, mix] of Object.entries(options.faultsByMethod ?? {}))
    checkMix(mix, `faultsByMethod.${method}`);
  const maxConsecutive = options.maxConsecutive ?? Number.POSITIVE_INFINITY;
  const latencyMs = options.latencyMs ?? 0;
  let faultsEnabled = options.faultsEnabled ?? true;
  let stats = emptyStats();
  /** Forwarded exchanges not yet over, and who waits for there to be none (`settled`). */
  let open = 0;
  const waiting: (() => void)[] = [];
  /** Per request key: attempts seen and faults drawn in a row. */
  let history = new Map<string, { attempts: number; consecutive: number }>();
  // No keep-alive towards the upstream: a pooled connection the upstream closed while idle would fail the next
  // request with a reset that no fault mix asked for.
  const agent = new http.Agent({ keepAlive: false });

  const decide = (request: FaultRequest): { decision: FaultDecision; event: FaultProxyEvent } => {
    const key = `${request.method} ${request.path} ${request.range}`;
    const seen = history.get(key) ?? { attempts: 0, consecutive: 0 };
    history.set(key, seen);
    const attempt = seen.attempts++;
    const mix =
      options.only && !options.only(request) ? {} : (options.faultsByMethod?.[request.method] ?? defaultMix);
    const drawn = decideFault(options.seed, request, attempt, mix);
    let decision = drawn;
    if (drawn.fault !== undefined && (!faultsEnabled || seen.consecutive >= maxConsecutive)) {
      decision = { fault: undefined, fraction: drawn.fraction };
    }
    seen.consecutive = decision.fault === undefined ? 0 : seen.consecutive + 1;
    return { decision, event: { ...request, attempt, ...decision, suppressed: decision !== drawn } };
  };

  const answerError = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    kind: keyof typeof ERROR_ANSWERS,
    expectContinue: boolean,
  ): void => {
    const answer = ERROR_ANSWERS[kind];
    const body = s3ErrorBody(answer.code, answer.message, new URL(req.url ?? '/', 'http://x').pathname);
    const send = (): void => {
      stats.faults[kind]++;
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(body),
        'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
      };
      // The body was never asked for: the connection cannot carry another request.
      if (expectContinue) headers.connection = 'close';
      res.writeHead(answer.status, headers).end(body);
    };
    if (expectContinue) send();
    else {
      req.resume();
      req.once('end', send);
    }
  };

  const forward = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    event: FaultProxyEvent,
    expectContinue: boolean,
    count: TrafficCount,
  ): void => {
    const decision: FaultDecision = event;
    stats.forwarded++;
    open++;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (--open === 0) for (const resolve of waiting.splice(0)) resolve();
    };
    const method = req.method ?? 'GET';
    let continued = false;
    const upstreamReq = http.request({
      host: upstream.hostname,
      port: upstream.port || 80,
      method,
      path: req.url,
      headers: endToEndHeaders(req.rawHeaders),
      setHost: false,
      agent,
    });
    upstreamReq.on('continue', () => {
      continued = true;
      res.writeContinue();
    });
    let clientGone = false;
    upstreamReq.on('close', end);
    upstreamReq.on('error', () => {
      if (clientGone) return;
      stats.upstreamErrors++;
      if (res.headersSent) res.socket?.resetAndDestroy();
      else {
        const body = s3ErrorBody(
          'BadGateway',
          'The fault proxy could not reach its upstream.',
          req.url ?? '/',
        );
        res.writeHead(502, { 'content-type': 'application/xml', connection: 'close' }).end(body);
      }
    });
    res.on('close', () => {
      if (res.writableFinished) return;
      // The client went away, or a fault reset its connection: the upstream exchange has no one to answer. A
      // request that was sent whole still runs to its end upstream (its answer is dropped); one cut short is
      // abandoned there too.
      clientGone = true;
      if (req.complete && !answered) {
        upstreamReq.on('response', (upstreamRes) => upstreamRes.resume());
        return;
      }
      upstreamReq.destroy();
    });
    let answered = false;
    upstreamReq.once('response', () => {
      answered = true;
    });
    const received = (n: number): void => {
      count.responseBodyBytes += n;
    };
    upstreamReq.on('response', (upstreamRes) => {
      if (clientGone) return;
      options.onResponse?.({ ...event, status: upstreamRes.statusCode ?? 0 });
      const headers = endToEndHeaders(upstreamRes.rawHeaders);
      if (expectContinue && !continued) headers.push('Connection', 'close');
      const socket = res.socket as Socket;
      const withBody = hasBody(method, upstreamRes);
      const cutAt = (): number => {
        const length = Number(upstreamRes.headers['content-length']);
        // Without a Content-Length (chunked), the cut falls within the first 64 KiB.
        return Math.floor(decision.fraction * (Number.isFinite(length) ? length : 65536));
      };
      if (decision.fault === 'resetDuringResponse') {
        stats.faults.resetDuringResponse++;
        if (!withBody) {
          upstreamRes.destroy();
          socket.resetAndDestroy();
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, headers);
        relayPrefix(upstreamRes, res, cutAt(), () => socket.resetAndDestroy(), received);
        return;
      }
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, headers);
      if (decision.fault === 'truncateBody' && withBody) {
        stats.faults.truncateBody++;
        relayPrefix(upstreamRes, res, cutAt(), () => socket.destroySoon(), received);
        return;
      }
      if (decision.fault === 'corruptBody' && withBody) {
        const at = cutAt();
        let offset = 0;
        const invert = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            let out = chunk;
            if (at >= offset && at < offset + chunk.length) {
              out = Buffer.from(chunk);
              out[at - offset] = out[at - offset]! ^ 0xff;
              stats.faults.corruptBody++;
            }
            offset += chunk.length;
            received(chunk.length);
            callback(null, out);
          },
        });
        upstreamRes.pipe(invert).pipe(res);
        upstreamRes.on('aborted', () => socket.destroy());
        return;
      }
      upstreamRes.on('data', (chunk: Buffer) => received(chunk.length));
      upstreamRes.pipe(res);
      // The upstream lost the connection mid-body: the client must see a broken response too, not a short one.
      upstreamRes.on('aborted', () => socket.destroy());
    });
    req.on('data', (chunk: Buffer) => {
      count.requestBodyBytes += chunk.length;
    });
    req.pipe(upstreamReq);
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, expectContinue: boolean): void => {
    stats.requests++;
    const range = req.headers.range;
    const request: FaultRequest = { method: req.method ?? 'GET', path: req.url ?? '/', range: range ?? '' };
    const { decision, event } = decide(request);
    options.onRequest?.(event);
    const kind = options.classify?.(request) ?? request.method;
    stats.traffic[kind] ??= { requests: 0, requestBodyBytes: 0, responseBodyBytes: 0 };
    const count = stats.traffic[kind];
    count.requests++;
    const act = (): void => {
      switch (decision.fault) {
        case 'slowDown':
        case 'internalError':
          answerError(req, res, decision.fault, expectContinue);
          return;
        case 'resetBeforeForward':
          stats.faults.resetBeforeForward++;
          req.socket.resetAndDestroy();
          return;
        default:
          forward(req, res, event, expectContinue, count);
      }
    };
    if (latencyMs > 0) setTimeout(act, latencyMs);
    else act();
  };

  const server = http.createServer({ keepAliveTimeout: 0, requestTimeout: 0 }, (req, res) =>
    handle(req, res, false),
  );
  server.on('checkContinue', (req, res) => handle(req, res, true));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new Error(`the fault proxy cannot listen on 127.0.0.1: ${e.message}`)),
    );
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    setFaultsEnabled: (enabled) => {
      faultsEnabled = enabled;
    },
    forgetAttempts: () => {
      history = new Map();
    },
    settled: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve))),
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}
