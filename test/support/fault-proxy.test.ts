// The fault proxy: it forwards requests and bodies unchanged and streaming, injects each fault at its rate and
// reproducibly, and a plain node:http client and the S3 client see the faults as a real S3 server's. The S3 client
// tests record what the SDK's default retry strategy does with each fault, which the S3 backend's own retries
// build on.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import {
  DEFAULT_FAULT_MIX,
  decideFault,
  FAULT_KINDS,
  type FaultKind,
  type FaultMix,
  type FaultProxyEvent,
  type FaultProxyOptions,
  startFaultProxy,
} from './fault-proxy.ts';
import { type S3LikeUpstream, startS3LikeUpstream } from './s3-like-upstream.ts';

const MiB = 1024 * 1024;

type Outcome =
  | { kind: 'response'; status: number; headers: http.IncomingHttpHeaders; body: Buffer }
  | { kind: 'error'; code: string | undefined; message: string; status: number | undefined; bytes: number };

interface Sent {
  method: string;
  path: string;
  headers?: http.OutgoingHttpHeaders;
  body?: Buffer;
  agent?: http.Agent;
}

/** One request with a plain node:http client: the whole response, or the first error and how far it got. */
function send(endpoint: string, sent: Sent): Promise<Outcome> {
  return new Promise((resolve) => {
    const url = new URL(endpoint);
    let settled = false;
    let response: http.IncomingMessage | undefined;
    let bytes = 0;
    const fail = (e: NodeJS.ErrnoException): void => {
      if (settled) return;
      settled = true;
      resolve({ kind: 'error', code: e.code, message: e.message, status: response?.statusCode, bytes });
    };
    const headers = { ...sent.headers };
    if (sent.body !== undefined) headers['content-length'] = sent.body.length;
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: sent.method,
        path: sent.path,
        headers,
        agent: sent.agent,
      },
      (res) => {
        response = res;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          bytes += c.length;
        });
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({
            kind: 'response',
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks),
          });
        });
      },
    );
    req.on('error', fail);
    req.end(sent.body);
  });
}

/** Runs `task` over `items` with `width` at a time. */
async function eachConcurrently<T>(
  items: T[],
  width: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/**
 * Counts outside mean ± 4.5 standard deviations of Binomial(n, p): a correct mapping of the HMAC to [0,1) lands
 * there with probability below 1e-5 per kind (normal approximation; n·p ≥ 25 for every check here).
 */
function assertBinomial(count: number, n: number, p: number, what: string): void {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  const [low, high] = [mean - 4.5 * sd, mean + 4.5 * sd];
  assert.ok(
    count >= low && count <= high,
    `${what}: ${count} of ${n}, expected ${mean} within [${low}, ${high}]`,
  );
}

function s3Code(body: Buffer): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(body.toString('utf8'))?.[1];
}

/** The largest socket buffers the kernel lets one TCP connection have (receive + send), from its limits. */
function kernelBufferLimit(): number {
  const max = (file: string): number => {
    try {
      return Number(fs.readFileSync(file, 'utf8').trim().split(/\s+/)[2]);
    } catch {
      return 8 * MiB;
    }
  };
  return max('/proc/sys/net/ipv4/tcp_rmem') + max('/proc/sys/net/ipv4/tcp_wmem');
}

/** `size` bytes, 64 KiB at a time as they are asked for, each chunk numbered so no two are alike. */
function numberedStream(size: number, onChunk: (chunk: Buffer, produced: number) => void): Readable {
  const block = randomBytes(64 * 1024);
  let produced = 0;
  return new Readable({
    read() {
      if (produced >= size) {
        this.push(null);
        return;
      }
      const chunk = Buffer.from(block.subarray(0, Math.min(block.length, size - produced)));
      chunk.writeUInt32BE(produced / block.length, 0);
      produced += chunk.length;
      onChunk(chunk, produced);
      this.push(chunk);
    },
  });
}

describe('fault proxy', () => {
  let upstream: S3LikeUpstream;
  before(async () => {
    upstream = await startS3LikeUpstream();
  });
  after(() => upstream.close());

  const withProxy = async <T>(
    options: Omit<FaultProxyOptions, 'upstream'>,
    body: (proxy: Awaited<ReturnType<typeof startFaultProxy>>) => Promise<T>,
  ): Promise<T> => {
    const proxy = await startFaultProxy({ upstream: upstream.origin, ...options });
    try {
      return await body(proxy);
    } finally {
      await proxy.stop();
    }
  };

  describe('decideFault', () => {
    const request = { method: 'GET', path: '/b/k?x-id=GetObject', range: '' };

    it('is a function of seed, method, path, range and attempt only', () => {
      const mix = { slowDown: 0.5 };
      const draw = (over: Partial<typeof request>, attempt = 0, seed = 's') =>
        decideFault(seed, { ...request, ...over }, attempt, mix);
      assert.deepEqual(draw({}), draw({}));
      const variants = [
        draw({}, 1),
        draw({}, 0, 't'),
        draw({ method: 'HEAD' }),
        draw({ range: 'bytes=0-9' }),
      ];
      for (const other of variants) assert.notEqual(other.fraction, draw({}).fraction);
    });

    it('lays the kinds out on [0,1) in order, and draws truncateBody for GET only', () => {
      const counts = { GET: new Map<string, number>(), PUT: new Map<string, number>() };
      for (const method of ['GET', 'PUT'] as const) {
        for (let attempt = 0; attempt < 20_000; attempt++) {
          const { fault } = decideFault('s', { ...request, method }, attempt, DEFAULT_FAULT_MIX);
          counts[method].set(String(fault), (counts[method].get(String(fault)) ?? 0) + 1);
        }
      }
      for (const kind of FAULT_KINDS) {
        assertBinomial(counts.GET.get(kind) ?? 0, 20_000, DEFAULT_FAULT_MIX[kind], `GET ${kind}`);
      }
      assert.equal(counts.PUT.get('truncateBody'), undefined);
      assertBinomial(counts.PUT.get('undefined') ?? 0, 20_000, 0.7, 'PUT without fault');
      assert.equal(decideFault('s', request, 0, {}).fault, undefined);
      assert.equal(decideFault('s', request, 0, { internalError: 1 }).fault, 'internalError');
    });

    it('refuses a mix that is not a probability distribution', async () => {
      for (const faults of [{ slowDown: 0.7, internalError: 0.4 }, { slowDown: -0.1 }, { teapot: 0.1 }]) {
        await assert.rejects(
          startFaultProxy({ upstream: upstream.origin, seed: 's', faults: faults as FaultMix }),
        );
      }
    });
  });

  describe('forwarding', () => {
    it('passes method, path, query, the Host header as sent, other headers and bodies through unchanged', async () => {
      let seen:
        | { method: string | undefined; url: string | undefined; rawHeaders: string[]; body: Buffer }
        | undefined;
      const echo = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen = {
            method: req.method,
            url: req.url,
            rawHeaders: req.rawHeaders,
            body: Buffer.concat(chunks),
          };
          const reply = Buffer.concat(chunks).reverse();
          res.writeHead(201, 'Made It', {
            'x-amz-request-id': 'R1',
            etag: '"e"',
            'content-length': reply.length,
          });
          res.end(reply);
        });
      });
      await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
      const proxy = await startFaultProxy({
        upstream: `http://127.0.0.1:${(echo.address() as AddressInfo).port}`,
        seed: 's',
        faults: {},
      });
      try {
        const body = randomBytes(300_000);
        const path = '/bucket/a%20key?partNumber=2&uploadId=u-1';
        const outcome = await send(proxy.endpoint, {
          method: 'PUT',
          path,
          headers: {
            Host: 'bucket.s3.example:7480',
            'X-Amz-Content-Sha256': createHash('sha256').update(body).digest('hex'),
            Authorization: 'AWS4-HMAC-SHA256 Credential=x/y, SignedHeaders=host, Signature=z',
          },
          body,
        });
        assert.equal(outcome.kind, 'response');
        assert.equal(outcome.status, 201);
        assert.equal(outcome.headers['x-amz-request-id'], 'R1');
        assert.deepEqual(outcome.body, Buffer.from(body).reverse());
        assert.equal(seen?.method, 'PUT');
        assert.equal(seen?.url, path);
        assert.deepEqual(seen?.body, body);
        const header = (name: string) => seen!.rawHeaders[seen!.rawHeaders.indexOf(name) + 1];
        assert.equal(header('Host'), 'bucket.s3.example:7480');
        assert.equal(header('X-Amz-Content-Sha256'), createHash('sha256').update(body).digest('hex'));
        assert.match(header('Authorization')!, /Signature=z$/);
        const stats = proxy.stats();
        assert.deepEqual([stats.requests, stats.forwarded, stats.upstreamErrors], [1, 1, 0]);
      } finally {
        await proxy.stop();
        echo.closeAllConnections();
        await new Promise((resolve) => echo.close(resolve));
      }
    });

    it('streams large bodies both ways with a bounded amount in flight', async (t) => {
      // Whatever is in flight sits in the kernel's socket buffers (two connections: client-proxy, proxy-upstream)
      // and in the streams' small buffers; a proxy holding a whole body, or writing on past backpressure while the
      // upstream reads slowly, exceeds this.
      const bound = 2 * kernelBufferLimit() + 16 * MiB;
      const size = Math.max(256 * MiB, 2 * bound);
      let received = 0;
      let produced = 0;
      let consumed = 0;
      let maxInFlight = 0;
      let upstreamDigest = '';
      const upstreamHash = createHash('sha256');
      const slow = http.createServer((req, res) => {
        if (req.method === 'PUT') {
          req.on('data', (c: Buffer) => {
            received += c.length;
            upstreamHash.update(c);
            req.pause();
            setImmediate(() => req.resume());
          });
          req.on('end', () => {
            upstreamDigest = upstreamHash.digest('hex');
            res.writeHead(200, { 'content-length': 0 }).end();
          });
          return;
        }
        req.resume();
        const hash = createHash('sha256');
        res.writeHead(200, { 'content-length': size });
        numberedStream(size, (chunk, total) => {
          hash.update(chunk);
          produced = total;
          maxInFlight = Math.max(maxInFlight, produced - consumed);
          if (total === size) upstreamDigest = hash.digest('hex');
        }).pipe(res);
      });
      await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
      const proxy = await startFaultProxy({
        upstream: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
        seed: 's',
        faults: {},
      });
      try {
        const { port } = new URL(proxy.endpoint);
        const clientHash = createHash('sha256');
        await new Promise<void>((resolve, reject) => {
          const req = http.request(
            { host: '127.0.0.1', port, method: 'PUT', path: '/b/big', headers: { 'content-length': size } },
            (res) => {
              res.resume();
              res.on('end', resolve);
            },
          );
          req.on('error', reject);
          numberedStream(size, (chunk, total) => {
            clientHash.update(chunk);
            maxInFlight = Math.max(maxInFlight, total - received);
          }).pipe(req);
        });
        assert.equal(received, size);
        assert.equal(upstreamDigest, clientHash.digest('hex'));
        assert.ok(maxInFlight <= bound, `upload: ${maxInFlight} bytes in flight, bound ${bound}`);
        const uploadInFlight = maxInFlight;

        maxInFlight = 0;
        const downloadHash = createHash('sha256');
        await new Promise<void>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, path: '/b/big' }, (res) => {
              res.on('data', (c: Buffer) => {
                consumed += c.length;
                downloadHash.update(c);
                res.pause();
                setImmediate(() => res.resume());
              });
              res.on('end', resolve);
              res.on('error', reject);
            })
            .on('error', reject);
        });
        assert.equal(consumed, size);
        assert.equal(downloadHash.digest('hex'), upstreamDigest);
        assert.ok(maxInFlight <= bound, `download: ${maxInFlight} bytes in flight, bound ${bound}`);
        t.diagnostic(
          `${size / MiB} MiB each way; most in flight: upload ${(uploadInFlight / MiB).toFixed(1)} MiB, ` +
            `download ${(maxInFlight / MiB).toFixed(1)} MiB (bound ${(bound / MiB).toFixed(0)} MiB)`,
        );
      } finally {
        await proxy.stop();
        slow.closeAllConnections();
        await new Promise((resolve) => slow.close(resolve));
      }
    });
  });

  describe('faults', () => {
    it('injects each kind at its rate over 2,000 requests, and a plain client sees each as S3 would show it', async (t) => {
      const object = randomBytes(4096);
      for (let i = 0; i < 1000; i++) upstream.objects.set(`/rates/get-${i}`, object);
      const requests: Sent[] = [];
      for (let i = 0; i < 1000; i++) {
        requests.push({ method: 'GET', path: `/rates/get-${i}` });
        requests.push({ method: 'PUT', path: `/rates/put-${i}`, body: randomBytes(1024) });
      }
      const events = new Map<string, FaultProxyEvent>();
      const outcomes = new Map<string, Outcome>();
      const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      const receivedBefore = (upstream.received.GET ?? 0) + (upstream.received.PUT ?? 0);
      await withProxy(
        { seed: 'rates', onRequest: (e) => events.set(`${e.method} ${e.path}`, e) },
        async (proxy) => {
          await eachConcurrently(requests, 16, async (r) => {
            outcomes.set(`${r.method} ${r.path}`, await send(proxy.endpoint, { ...r, agent }));
          });
          const stats = proxy.stats();
          assert.equal(stats.requests, 2000);
          assertBinomial(stats.faults.slowDown, 2000, 0.2, 'slowDown');
          assertBinomial(stats.faults.internalError, 2000, 0.05, 'internalError');
          assertBinomial(stats.faults.resetBeforeForward, 2000, 0.025, 'resetBeforeForward');
          assertBinomial(stats.faults.resetDuringResponse, 2000, 0.025, 'resetDuringResponse');
          assertBinomial(stats.faults.truncateBody, 1000, 0.1, 'truncateBody of GETs');
          const answeredByProxy =
            stats.faults.slowDown + stats.faults.internalError + stats.faults.resetBeforeForward;
          assert.equal(stats.forwarded, 2000 - answeredByProxy);
          assert.equal(stats.upstreamErrors, 0);
          assert.equal(
            (upstream.received.GET ?? 0) + (upstream.received.PUT ?? 0) - receivedBefore,
            stats.forwarded,
          );
          t.diagnostic(`2,000 requests (1,000 GET, 1,000 PUT): ${JSON.stringify(stats.faults)}`);
        },
      );
      agent.destroy();

      const seen: Record<string, number> = {};
      for (const r of requests) {
        const key = `${r.method} ${r.path}`;
        const fault = events.get(key)!.fault;
        const outcome = outcomes.get(key)!;
        const what = `${key} (${fault ?? 'no fault'}): ${JSON.stringify({ ...outcome, body: undefined })}`;
        seen[fault ?? 'none'] = (seen[fault ?? 'none'] ?? 0) + 1;
        const stored = upstream.objects.get(r.path);
        switch (fault) {
          case 'slowDown':
          case 'internalError':
            assert.ok(outcome.kind === 'response', what);
            assert.equal(outcome.status, fault === 'slowDown' ? 503 : 500, what);
            assert.equal(outcome.headers['content-type'], 'application/xml', what);
            assert.equal(s3Code(outcome.body), fault === 'slowDown' ? 'SlowDown' : 'InternalError', what);
            assert.match(outcome.body.toString(), /<RequestId>[0-9A-F]{16}<\/RequestId>/, what);
            if (r.method === 'PUT') assert.equal(stored, undefined, what);
            break;
          case 'resetBeforeForward':
            assert.ok(outcome.kind === 'error' && outcome.status === undefined, what);
            assert.ok(['ECONNRESET', 'EPIPE'].includes(outcome.code!), what);
            if (r.method === 'PUT') assert.equal(stored, undefined, what);
            break;
          case 'resetDuringResponse':
            assert.ok(outcome.kind === 'error', what);
            assert.equal(outcome.code, 'ECONNRESET', what);
            if (r.method === 'PUT') {
              // The upstream stored it; the client cannot know.
              assert.equal(outcome.status, undefined, what);
              assert.deepEqual(stored, r.body, what);
            } else {
              assert.equal(outcome.status, 200, what);
              assert.ok(outcome.bytes < object.length, what);
            }
            break;
          case 'truncateBody':
            assert.ok(outcome.kind === 'error', what);
            assert.equal(outcome.status, 200, what);
            assert.equal(outcome.code, 'ECONNRESET', what);
            assert.equal(outcome.message, 'aborted', what);
            assert.ok(outcome.bytes < object.length, what);
            break;
          default:
            assert.ok(outcome.kind === 'response' && outcome.status === 200, what);
            if (r.method === 'GET') assert.deepEqual(outcome.body, object, what);
            else assert.deepEqual(stored, r.body, what);
        }
      }
      const drawn = FAULT_KINDS.filter((kind) => DEFAULT_FAULT_MIX[kind] > 0);
      assert.deepEqual(Object.keys(seen).sort(), [...drawn, 'none'].sort());
    });

    it('tells of the upstream status of every forwarded request, faulty or not', async () => {
      upstream.objects.set('/status/here', randomBytes(100));
      const seen: string[] = [];
      await withProxy(
        {
          seed: 'status',
          faults: { resetDuringResponse: 1 },
          maxConsecutive: 1,
          onResponse: (e) => seen.push(`${e.path} #${e.attempt} ${e.fault ?? 'none'} ${e.status}`),
        },
        async (proxy) => {
          for (const path of ['/status/here', '/status/missing']) {
            assert.equal((await send(proxy.endpoint, { method: 'GET', path })).kind, 'error');
            await send(proxy.endpoint, { method: 'GET', path });
          }
        },
      );
      assert.deepEqual(seen, [
        '/status/here #0 resetDuringResponse 200',
        '/status/here #1 none 200',
        '/status/missing #0 resetDuringResponse 404',
        '/status/missing #1 none 404',
      ]);
    });

    it('draws faults only for the requests `only` accepts', async () => {
      upstream.objects.set('/only/a', randomBytes(100));
      upstream.objects.set('/only/b', randomBytes(100));
      await withProxy(
        { seed: 'only', faults: { internalError: 1 }, only: (r) => r.path === '/only/a' },
        async (proxy) => {
          for (let i = 0; i < 5; i++) {
            const a = await send(proxy.endpoint, { method: 'GET', path: '/only/a' });
            const b = await send(proxy.endpoint, { method: 'GET', path: '/only/b' });
            assert.ok(a.kind === 'response' && a.status === 500);
            assert.ok(b.kind === 'response' && b.status === 200);
          }
          assert.equal(proxy.stats().faults.internalError, 5);
        },
      );
    });

    it('inverts one byte of a GET body, keeping its length and headers, and leaves PUTs alone', async () => {
      const object = randomBytes(10_000);
      upstream.objects.set('/corrupt/o', object);
      const events: FaultProxyEvent[] = [];
      await withProxy(
        { seed: 'corrupt', faults: { corruptBody: 1 }, onRequest: (e) => events.push(e) },
        async (proxy) => {
          for (let i = 0; i < 20; i++) {
            const got = await send(proxy.endpoint, { method: 'GET', path: '/corrupt/o' });
            assert.ok(got.kind === 'response' && got.status === 200);
            assert.equal(got.headers['content-length'], String(object.length));
            assert.equal(got.body.length, object.length);
            const differ = [...got.body.keys()].filter((k) => got.body[k] !== object[k]);
            const at = Math.floor(events.at(-1)!.fraction * object.length);
            assert.deepEqual(differ, [at]);
            assert.equal(got.body[at], object[at]! ^ 0xff);
          }
          const body = randomBytes(3000);
          const put = await send(proxy.endpoint, { method: 'PUT', path: '/corrupt/p', body });
          assert.ok(put.kind === 'response' && put.status === 200);
          assert.deepEqual(upstream.objects.get('/corrupt/p'), body);
          assert.equal(events.at(-1)!.fault, undefined, 'not drawn for a PUT');
          assert.equal(proxy.stats().faults.corruptBody, 20);
        },
      );
    });

    it('makes the same decisions for the same seed whether requests come one by one or concurrently', async () => {
      const mix: FaultMix = { slowDown: 0.3, internalError: 0.1, resetBeforeForward: 0.1, truncateBody: 0.2 };
      const object = randomBytes(2048);
      const keys: Sent[] = [];
      for (let i = 0; i < 60; i++) {
        upstream.objects.set(`/det/o-${i}`, object);
        keys.push({ method: 'GET', path: `/det/o-${i}` });
        keys.push({ method: 'GET', path: `/det/o-${i}`, headers: { range: 'bytes=0-999' } });
        keys.push({ method: 'PUT', path: `/det/p-${i}`, body: randomBytes(512) });
      }
      const classify = (o: Outcome): string =>
        o.kind === 'response' ? `status ${o.status}` : `error after status ${o.status}`;
      const run = async (seed: string, order: Sent[], width: number) => {
        const decided = new Map<string, string>();
        const seen = new Map<string, string>();
        await withProxy(
          {
            seed,
            faults: mix,
            onRequest: (e) => decided.set(`${e.method} ${e.path} ${e.range} #${e.attempt}`, String(e.fault)),
          },
          async (proxy) => {
            // The attempts of one request follow each other; different requests interleave freely.
            await eachConcurrently(order, width, async (r) => {
              for (let attempt = 0; attempt < 4; attempt++) {
                const outcome = await send(proxy.endpoint, r);
                seen.set(`${r.method} ${r.path} ${r.headers?.range ?? ''} #${attempt}`, classify(outcome));
              }
            });
          },
        );
        return { decided: new Map([...decided].sort()), seen: new Map([...seen].sort()) };
      };
      const shuffled = [...keys];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = randomBytes(4).readUInt32BE(0) % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      const oneByOne = await run('determinism', keys, 1);
      const concurrent = await run('determinism', shuffled, 24);
      assert.equal(oneByOne.decided.size, keys.length * 4);
      assert.deepEqual(concurrent.decided, oneByOne.decided);
      assert.deepEqual(concurrent.seen, oneByOne.seen);
      const otherSeed = await run('another seed', keys, 8);
      const differing = [...otherSeed.decided].filter(([k, v]) => oneByOne.decided.get(k) !== v).length;
      assert.ok(differing > keys.length, `only ${differing} decisions changed with the seed`);
    });

    it('caps faults in a row per request with maxConsecutive, and marks the attempts it spared', async () => {
      const events: FaultProxyEvent[] = [];
      upstream.objects.set('/cap/o', Buffer.from('x'));
      await withProxy(
        { seed: 'cap', faults: { slowDown: 0.9 }, maxConsecutive: 2, onRequest: (e) => events.push(e) },
        async (proxy) => {
          const statuses: number[] = [];
          for (let i = 0; i < 300; i++) {
            const o = await send(proxy.endpoint, { method: 'GET', path: '/cap/o' });
            assert.ok(o.kind === 'response');
            statuses.push(o.status);
          }
          const runs = statuses
            .join(',')
            .split('200')
            .map((run) => run.split('503').length - 1);
          assert.equal(Math.max(...runs), 2);
          assert.equal(proxy.stats().faults.slowDown, statuses.filter((s) => s === 503).length);
        },
      );
      const spared = events.filter((e) => e.suppressed);
      assert.ok(spared.length > 50, `${spared.length} spared`);
      for (const e of spared) {
        assert.equal(e.fault, undefined);
        assert.equal(decideFault('cap', e, e.attempt, { slowDown: 0.9 }).fault, 'slowDown');
      }
    });

    it('switches faults off and on at run time; resets its counters and its attempt numbers', async () => {
      upstream.objects.set('/switch/o', Buffer.from('hello'));
      await withProxy({ seed: 'switch', faults: { internalError: 0.5 } }, async (proxy) => {
        const statuses = async (n: number) => {
          const out: number[] = [];
          for (let i = 0; i < n; i++) {
            const o = await send(proxy.endpoint, { method: 'GET', path: '/switch/o' });
            out.push(o.kind === 'response' ? o.status : 0);
          }
          return out;
        };
        const first = await statuses(40);
        assert.ok(first.includes(500) && first.includes(200));
        proxy.setFaultsEnabled(false);
        assert.deepEqual(await statuses(40), Array(40).fill(200));
        assert.equal(proxy.stats().faults.internalError, first.filter((s) => s === 500).length);
        proxy.resetStats();
        assert.deepEqual(proxy.stats(), {
          requests: 0,
          forwarded: 0,
          faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
          upstreamErrors: 0,
          traffic: {},
        });
        proxy.setFaultsEnabled(true);
        proxy.forgetAttempts();
        assert.deepEqual(await statuses(40), first);
        assert.equal(proxy.stats().requests, 40);
      });
    });

    it('counts requests and the body bytes they carried by method, or by the kind classify names', async () => {
      const data = randomBytes(200_000);
      const classify = (r: { method: string; path: string }) =>
        r.method === 'GET' && /^\/[^/]+\/?(\?|$)/.test(r.path) ? 'LIST' : r.method;
      await withProxy({ seed: 'count', faults: {}, classify }, async (proxy) => {
        await send(proxy.endpoint, { method: 'PUT', path: '/count/a', body: data });
        await send(proxy.endpoint, { method: 'PUT', path: '/count/b', body: data.subarray(0, 1000) });
        await send(proxy.endpoint, { method: 'GET', path: '/count/a' });
        await send(proxy.endpoint, { method: 'GET', path: '/count/a', headers: { Range: 'bytes=10-109' } });
        await send(proxy.endpoint, { method: 'HEAD', path: '/count/b' });
        await send(proxy.endpoint, { method: 'GET', path: '/count?list-type=2' });
        assert.deepEqual(proxy.stats().traffic, {
          PUT: { requests: 2, requestBodyBytes: 201_000, responseBodyBytes: 0 },
          GET: { requests: 2, requestBodyBytes: 0, responseBodyBytes: 200_100 },
          HEAD: { requests: 1, requestBodyBytes: 0, responseBodyBytes: 0 },
          LIST: {
            requests: 1,
            requestBodyBytes: 0,
            responseBodyBytes: proxy.stats().traffic.LIST!.responseBodyBytes,
          },
        });
        proxy.resetStats();
        await send(proxy.endpoint, { method: 'DELETE', path: '/count/b' });
        assert.deepEqual(proxy.stats().traffic, {
          DELETE: { requests: 1, requestBodyBytes: 0, responseBodyBytes: 0 },
        });
      });
      await withProxy({ seed: 'count', faults: {} }, async (proxy) => {
        await send(proxy.endpoint, { method: 'GET', path: '/count?list-type=2' });
        assert.deepEqual(Object.keys(proxy.stats().traffic), ['GET']);
      });
    });

    it('reads and drops the body of a refused PUT, or refuses before it is sent when asked for 100-continue', async () => {
      await withProxy({ seed: 'refuse', faults: { slowDown: 1 } }, async (proxy) => {
        const before = upstream.received.PUT ?? 0;
        const plain = await send(proxy.endpoint, {
          method: 'PUT',
          path: '/refuse/a',
          body: randomBytes(5 * MiB),
        });
        assert.ok(plain.kind === 'response' && plain.status === 503 && s3Code(plain.body) === 'SlowDown');
        const { port } = new URL(proxy.endpoint);
        const expecting = await new Promise<{
          status: number;
          connection: string | undefined;
          continued: boolean;
        }>((resolve, reject) => {
          let continued = false;
          const req = http.request({
            host: '127.0.0.1',
            port,
            method: 'PUT',
            path: '/refuse/b',
            headers: { 'content-length': 5 * MiB, expect: '100-continue' },
          });
          req.on('continue', () => {
            continued = true;
            req.end(randomBytes(5 * MiB));
          });
          req.on('response', (res) => {
            res.resume();
            resolve({ status: res.statusCode!, connection: res.headers.connection, continued });
          });
          req.on('error', reject);
          req.flushHeaders();
        });
        assert.deepEqual(expecting, { status: 503, connection: 'close', continued: false });
        assert.equal(upstream.received.PUT ?? 0, before);
        assert.equal(proxy.stats().forwarded, 0);
      });
    });

    it('answers 502 when the upstream cannot be reached, and counts it', async () => {
      const gone = http.createServer();
      await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
      const { port } = gone.address() as AddressInfo;
      await new Promise((resolve) => gone.close(resolve));
      const proxy = await startFaultProxy({ upstream: `http://127.0.0.1:${port}`, seed: 's', faults: {} });
      try {
        const o = await send(proxy.endpoint, { method: 'GET', path: '/b/k' });
        assert.ok(o.kind === 'response' && o.status === 502 && s3Code(o.body) === 'BadGateway');
        assert.equal(proxy.stats().upstreamErrors, 1);
      } finally {
        await proxy.stop();
      }
    });

    it('adds the configured latency before answering', async () => {
      upstream.objects.set('/slow/o', Buffer.from('x'));
      await withProxy({ seed: 'slow', faults: {}, latencyMs: 40 }, async (proxy) => {
        const start = performance.now();
        const o = await send(proxy.endpoint, { method: 'GET', path: '/slow/o' });
        assert.ok(o.kind === 'response' && o.status === 200);
        // Timers may fire up to a millisecond early by the monotonic clock's rounding.
        assert.ok(performance.now() - start >= 39, `${performance.now() - start} ms`);
      });
    });
  });

  describe('the S3 client behind it (default retry strategy, 3 attempts)', () => {
    const warnings: string[] = [];
    const client = (endpoint: string) =>
      new S3Client({
        endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDFAULTPROXY', secretAccessKey: 'not-a-secret' },
        logger: {
          trace() {},
          debug() {},
          info() {},
          warn: (m: unknown) => warnings.push(String(m)),
          error() {},
        },
      });
    const errorShape = (e: unknown) => {
      const error = e as Error & {
        code?: string;
        $fault?: string;
        $retryable?: unknown;
        $metadata?: { httpStatusCode?: number; attempts?: number };
      };
      return {
        s3: e instanceof S3ServiceException,
        name: error.name,
        code: error.code,
        $fault: error.$fault,
        $retryable: error.$retryable,
        status: error.$metadata?.httpStatusCode,
        attempts: error.$metadata?.attempts,
      };
    };
    const rejection = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (e) {
        return e;
      }
      assert.fail('expected a rejection');
    };
    const small = randomBytes(1000);
    const large = randomBytes(3 * MiB); // from 2 MiB on, the client sends Expect: 100-continue

    it('retries 503 SlowDown and 500 InternalError on PUT and GET by itself', async () => {
      upstream.objects.set('/sdk/retry-get', small);
      await Promise.all(
        (['slowDown', 'internalError'] as const).map((kind) =>
          withProxy({ seed: 'sdk', faults: { [kind]: 1 }, maxConsecutive: 2 }, async (proxy) => {
            const s3 = client(proxy.endpoint);
            const [putSmall, putLarge, get] = await Promise.all([
              s3.send(new PutObjectCommand({ Bucket: 'sdk', Key: `${kind}-small`, Body: small })),
              s3.send(new PutObjectCommand({ Bucket: 'sdk', Key: `${kind}-large`, Body: large })),
              s3.send(new GetObjectCommand({ Bucket: 'sdk', Key: 'retry-get' })),
            ]);
            assert.deepEqual(
              [putSmall, putLarge, get].map((o) => o.$metadata.attempts),
              [3, 3, 3],
            );
            assert.deepEqual(Buffer.from(await get.Body!.transformToByteArray()), small);
            assert.deepEqual(upstream.objects.get(`/sdk/${kind}-small`), small);
            assert.deepEqual(upstream.objects.get(`/sdk/${kind}-large`), large);
            assert.equal(proxy.stats().faults[kind], 6);
            s3.destroy();
          }),
        ),
      );
    });

    it('gives up after 3 attempts with an S3ServiceException named by the XML code', async () => {
      upstream.objects.set('/sdk/give-up', small);
      const shapes = await Promise.all(
        (['slowDown', 'internalError'] as const).map((kind) =>
          withProxy({ seed: 'sdk', faults: { [kind]: 1 } }, async (proxy) => {
            const s3 = client(proxy.endpoint);
            const e = await rejection(s3.send(new GetObjectCommand({ Bucket: 'sdk', Key: 'give-up' })));
            assert.equal(proxy.stats().faults[kind], 3);
            s3.destroy();
            return errorShape(e);
          }),
        ),
      );
      const common = { s3: true, code: undefined, $fault: 'server', $retryable: undefined, attempts: 3 };
      assert.deepEqual(shapes, [
        { ...common, name: 'SlowDown', status: 503 },
        { ...common, name: 'InternalError', status: 500 },
      ]);
    });

    it('retries a reset before the response (PUT with a buffered body, GET) and fails as TimeoutError when it persists', async () => {
      upstream.objects.set('/sdk/reset-get', small);
      for (const kind of ['resetBeforeForward', 'resetDuringResponse'] as const) {
        await withProxy({ seed: 'sdk', faults: { [kind]: 1 } }, async (proxy) => {
          const s3 = client(proxy.endpoint);
          const e = await rejection(
            s3.send(new PutObjectCommand({ Bucket: 'sdk', Key: `${kind}-p`, Body: small })),
          );
          const shape = errorShape(e);
          assert.ok(['ECONNRESET', 'EPIPE'].includes(shape.code!), JSON.stringify(shape));
          assert.deepEqual(shape, {
            s3: false,
            name: 'TimeoutError',
            code: shape.code,
            $fault: undefined,
            $retryable: undefined,
            status: undefined,
            attempts: 3,
          });
          assert.equal(proxy.stats().faults[kind], 3);
          // Reset after the upstream answered: the object is stored although every attempt failed.
          assert.equal(upstream.objects.has(`/sdk/${kind}-p`), kind === 'resetDuringResponse');
          s3.destroy();
        });
      }
      await withProxy(
        { seed: 'sdk', faults: { resetBeforeForward: 1 }, maxConsecutive: 2 },
        async (proxy) => {
          const s3 = client(proxy.endpoint);
          const get = await s3.send(new GetObjectCommand({ Bucket: 'sdk', Key: 'reset-get' }));
          const put = await s3.send(new PutObjectCommand({ Bucket: 'sdk', Key: 'reset-large', Body: large }));
          assert.deepEqual([get.$metadata.attempts, put.$metadata.attempts], [3, 3]);
          assert.deepEqual(Buffer.from(await get.Body!.transformToByteArray()), small);
          assert.deepEqual(upstream.objects.get('/sdk/reset-large'), large);
          s3.destroy();
        },
      );
    });

    it('never retries a PUT whose body is a stream, whatever the fault', async () => {
      for (const kind of ['slowDown', 'internalError', 'resetBeforeForward'] as const) {
        await withProxy({ seed: 'sdk', faults: { [kind]: 1 } }, async (proxy) => {
          const s3 = client(proxy.endpoint);
          warnings.length = 0;
          const put = new PutObjectCommand({
            Bucket: 'sdk',
            Key: `stream-${kind}`,
            Body: Readable.from([small]),
            ContentLength: small.length,
          });
          const shape = errorShape(await rejection(s3.send(put)));
          assert.equal(
            shape.name,
            { slowDown: 'SlowDown', internalError: 'InternalError', resetBeforeForward: 'TimeoutError' }[
              kind
            ],
          );
          assert.equal(shape.attempts, undefined); // thrown before the retry loop records attempts
          assert.equal(proxy.stats().requests, 1);
          assert.deepEqual(warnings, ['An error was encountered in a non-retryable streaming request.']);
          s3.destroy();
        });
      }
    });

    it('returns a GET whose body is then cut short or reset; reading the body fails with ECONNRESET "aborted"', async () => {
      upstream.objects.set('/sdk/cut', randomBytes(200_000));
      for (const kind of ['truncateBody', 'resetDuringResponse'] as const) {
        await withProxy({ seed: 'sdk', faults: { [kind]: 1 } }, async (proxy) => {
          const s3 = client(proxy.endpoint);
          const get = await s3.send(new GetObjectCommand({ Bucket: 'sdk', Key: 'cut' }));
          assert.equal(get.$metadata.attempts, 1);
          assert.equal(get.ContentLength, 200_000);
          const e = (await rejection(get.Body!.transformToByteArray())) as NodeJS.ErrnoException;
          assert.deepEqual(
            {
              name: e.name,
              code: e.code,
              message: e.message,
              $metadata: (e as { $metadata?: unknown }).$metadata,
            },
            { name: 'Error', code: 'ECONNRESET', message: 'aborted', $metadata: undefined },
          );
          assert.equal(proxy.stats().requests, 1);
          s3.destroy();
        });
      }
    });

    it('runs its retry quota dry under sustained 500s, then fails requests after fewer than 3 attempts', async (t) => {
      await withProxy({ seed: 'quota', faults: { internalError: 0.5 } }, async (proxy) => {
        const s3 = client(proxy.endpoint);
        const byAttempts: Record<string, number> = {};
        const keys = Array.from({ length: 300 }, (_, i) => `quota-${i}`);
        await eachConcurrently(keys, 8, async (key) => {
          try {
            const out = await s3.send(new PutObjectCommand({ Bucket: 'sdk', Key: key, Body: small }));
            byAttempts[`ok after ${out.$metadata.attempts}`] =
              (byAttempts[`ok after ${out.$metadata.attempts}`] ?? 0) + 1;
          } catch (e) {
            const { name, attempts } = errorShape(e);
            byAttempts[`${name} after ${attempts}`] = (byAttempts[`${name} after ${attempts}`] ?? 0) + 1;
          }
        });
        t.diagnostic(`300 PUTs at 50% InternalError: ${JSON.stringify(byAttempts)}`);
        assert.ok((byAttempts['InternalError after 1'] ?? 0) > 0, JSON.stringify(byAttempts));
        s3.destroy();
      });
    });
  });
});
