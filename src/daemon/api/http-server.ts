// Listening on `HOST:PORT` (or `PORT`, on loopback) with the API application: a node:http server through
// @hono/node-server, with the node defaults for header size and request timeouts. Port 0 takes a free port
// (the URL says which).

import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { StepvaultError } from '../../common/errors.ts';

export interface Listening {
  /** `http://HOST:PORT`. */
  url: string;
  close(): Promise<void>;
}

export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || port > 65535) {
    throw new StepvaultError('usage', `cannot listen on ${JSON.stringify(text)}`, {
      hint: 'write HOST:PORT or PORT, e.g. 127.0.0.1:8420',
    });
  }
  const host = (match[1] ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}

export async function listen(app: Hono, address: string): Promise<Listening> {
  const { host, port } = parseListen(address);
  const server = createAdaptorServer({ fetch: app.fetch, overrideGlobalObjects: false }) as Server;
  server.listen(port, host);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([e]) => {
        throw e;
      }),
    ]);
  } catch (e) {
    throw new StepvaultError(
      'io',
      `cannot listen on ${address}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      {
        hint: 'choose another address with --listen or server.listen',
        cause: e,
      },
    );
  }
  const actual = server.address() as AddressInfo;
  const shown = actual.family === 'IPv6' ? `[${actual.address}]` : actual.address;
  return {
    url: `http://${shown}:${actual.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}
