// Test helper: a minimal HTTP client for the simulator's tests (JSON in, JSON out, no redirects followed).

import type { ConfluenceSim } from './simulator.ts';

/** Replies are untyped JSON; tests read the fields they assert on. */
// biome-ignore lint/suspicious/noExplicitAny: a test reads arbitrary JSON
export type Json = any;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
}

export interface CallOptions {
  body?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  /** `site` (Basic, classic token; default), `gateway` (Bearer on the gateway path) or `none`. */
  auth?: 'site' | 'gateway' | 'none';
}

export async function call(
  sim: ConfluenceSim,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const auth = options.auth ?? 'site';
  const headers: Record<string, string> = { ...options.headers };
  if (auth === 'site') headers.authorization ??= sim.credentials.siteAuthorization;
  if (auth === 'gateway') headers.authorization ??= sim.credentials.gatewayAuthorization;
  let body: string | FormData | undefined;
  if (options.form) body = options.form;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const base = auth === 'gateway' ? sim.gatewayUrl : sim.siteUrl;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Follows `_links.next` from `path` and returns every result (stops after `maxPages`). */
export async function collect(sim: ConfluenceSim, path: string, maxPages = 1000): Promise<Json[]> {
  const out: Json[] = [];
  let next: string | undefined = path;
  for (let i = 0; next !== undefined && i < maxPages; i++) {
    const reply = await call(sim, 'GET', next);
    if (reply.status !== 200) throw new Error(`${next}: ${reply.status} ${reply.text}`);
    out.push(...reply.json.results);
    const link: string | undefined = reply.json._links?.next;
    next = link?.startsWith('/rest/') ? `/wiki${link}` : link; // v1 links are relative to the /wiki context
  }
  return out;
}
