// Test support: a tiny object server on loopback that answers like S3 for path-style PUT, GET (with a byte Range),
// HEAD and DELETE of objects held in memory, for tests of the fault proxy and the S3 client's behaviour behind it.
// It checks no signatures and knows no buckets: the path is the key.

import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface S3LikeUpstream {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** Objects by path (`/bucket/key`); tests may fill it directly. */
  objects: Map<string, Buffer>;
  /** Requests received, by method. */
  received: Record<string, number>;
  close(): Promise<void>;
}

function xmlError(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res
    .writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) })
    .end(body);
}

function etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` against a length; undefined when unsatisfiable. */
function parseRange(header: string, length: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, length - Number(match[2]));
    end = length - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? length - 1 : Math.min(Number(match[2]), length - 1);
  }
  return start <= end && start < length ? { start, end } : undefined;
}

export async function startS3LikeUpstream(): Promise<S3LikeUpstream> {
  const objects = new Map<string, Buffer>();
  const received: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    received[method] = (received[method] ?? 0) + 1;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const declared = req.headers['content-length'];
        if (declared !== undefined && Number(declared) !== body.length) {
          xmlError(res, 400, 'IncompleteBody', 'You did not provide the number of bytes specified.');
          return;
        }
        objects.set(path, body);
        res.writeHead(200, { etag: etag(body), 'content-length': 0 }).end();
      });
      return;
    }
    req.resume();
    const object = objects.get(path);
    if (method === 'DELETE') {
      objects.delete(path);
      res.writeHead(204).end();
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      xmlError(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
      return;
    }
    if (object === undefined) {
      if (method === 'HEAD') res.writeHead(404, { 'content-length': 0 }).end();
      else xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      return;
    }
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/octet-stream',
      etag: etag(object),
      'last-modified': new Date(0).toUTCString(),
      'accept-ranges': 'bytes',
    };
    let body = object;
    let status = 200;
    if (req.headers.range !== undefined) {
      const range = parseRange(req.headers.range, object.length);
      if (range === undefined) {
        xmlError(res, 416, 'InvalidRange', 'The requested range is not satisfiable');
        return;
      }
      status = 206;
      body = object.subarray(range.start, range.end + 1);
      headers['content-range'] = `bytes ${range.start}-${range.end}/${object.length}`;
    }
    headers['content-length'] = body.length;
    res.writeHead(status, headers);
    res.end(method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new Error(`the S3-like upstream cannot listen on 127.0.0.1: ${e.message}`)),
    );
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    objects,
    received,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
