// Test support: a webhook endpoint on loopback that records every event posted to it (and the raw requests, for
// checks that no secret is sent), for the daemon and `stepvault plan run`.

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEvent {
  kind: string;
  plan?: string;
  rule?: string;
  source?: string;
  snapshotId?: string;
  message?: string;
  error?: { code?: string; message: string };
  summary?: Record<string, unknown>;
}

export interface WebhookReceiver {
  url: string;
  events: ReceivedEvent[];
  /** Raw requests: headers and body text, for secret checks. */
  requests: { headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const events: ReceivedEvent[] = [];
  const requests: WebhookReceiver['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ headers: req.headers, body });
      const parsed = JSON.parse(body) as { event?: ReceivedEvent };
      events.push(parsed.event ?? (parsed as ReceivedEvent));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new Error(`the webhook receiver cannot listen on 127.0.0.1: ${e.message}`)),
    );
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    events,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
