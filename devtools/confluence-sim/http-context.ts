// What every route handler shares: the simulator's parts (store, counters, faults, cursor codec, media links),
// the caller, and helpers for JSON bodies with Content-Length, error bodies in the v1 or v2 shape, and the
// query parameters (repeated or comma-separated lists, bounded integers, booleans).

import type { Context, Hono } from 'hono';
import type { Clock } from '../../src/common/clock.ts';
import type { Actor } from './access.ts';
import type { CursorCodec } from './cursor.ts';
import type { FaultInjector } from './faults.ts';
import type { Attachment } from './model.ts';
import type { PointsQuota } from './points-quota.ts';
import type { TokenBucket } from './rate-limiter.ts';
import { badRequest, SimError } from './sim-error.ts';
import type { SimStats } from './stats.ts';
import type { SimStore } from './store.ts';

export interface MediaLinks {
  /** Signed URL on the media host for one version of an attachment. */
  signedUrl(attachment: Attachment, version: number): string;
  /** The same, on the rogue host (a redirect a client must refuse to follow). */
  rogueUrl(attachment: Attachment, version: number): string;
}

export interface SimSettings {
  latencyMs: number;
  limiter: TokenBucket | undefined;
  /** Content types CQL knows; a search naming another is a 400. */
  cqlTypes: readonly string[];
  /** The points quota of the site requests (long Retry-After waits); none when absent. */
  quota: PointsQuota | undefined;
  /** Sizes past which a write is refused with 413, as Cloud refuses them. */
  limits: WriteLimits;
}

/** Cloud refuses a JSON request (a page or comment body among them) or an attached file beyond these. */
export interface WriteLimits {
  /** Bytes of a JSON request body. */
  jsonBytes: number;
  /** Bytes of one uploaded file (Cloud's default attachment size limit; admins may change it). */
  attachmentBytes: number;
}

export const DEFAULT_WRITE_LIMITS: WriteLimits = { jsonBytes: 5 * 2 ** 20, attachmentBytes: 100 * 2 ** 20 };

export interface SimDeps {
  store: SimStore;
  stats: SimStats;
  faults: FaultInjector;
  cursors: CursorCodec;
  media: MediaLinks;
  clock: Clock;
  settings: SimSettings;
  /** One random change to the site (used by the "mutations during listing" fault); returns a description. */
  randomChange: (seed: number) => string;
  /** Origin of the site listener, e.g. `http://127.0.0.1:34567`. */
  siteOrigin: () => string;
}

export type SimEnv = { Variables: { actor: Actor } };
export type SimApp = Hono<SimEnv>;
export type Ctx = Context<SimEnv>;

/** The request path as the site sees it: the gateway prefix `/ex/confluence/{cloudId}` removed. */
export function wikiPath(c: Ctx): string {
  return c.req.path.replace(/^\/ex\/confluence\/[^/]+/, '');
}

export function isV1(c: Ctx): boolean {
  return wikiPath(c).startsWith('/wiki/rest/');
}

export function sendJson(
  _c: Ctx,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  const text = JSON.stringify(body);
  return new Response(text, {
    status,
    headers: {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    },
  });
}

export function sendEmpty(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers: { 'content-length': '0', ...headers } });
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** An error body: v2 `{ errors: [...] }`, v1 `{ statusCode, message, data }`. */
export function sendError(
  c: Ctx,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const title = TITLES[status] ?? 'Error';
  const body = isV1(c)
    ? {
        statusCode: status,
        message,
        data: {
          authorized: status !== 401 && status !== 403,
          valid: status !== 400,
          errors: [],
          successful: false,
        },
      }
    : { errors: [{ status, code: title.toUpperCase().replaceAll(' ', '_'), title, detail: message }] };
  return sendJson(c, status, body, headers);
}

export function actorOf(c: Ctx): Actor {
  return c.get('actor');
}

/** All values of a list parameter: `?status=a&status=b`, `?status=a,b` and `?status[]=a` all work. */
export function queryList(c: Ctx, name: string): string[] {
  const values = [...(c.req.queries(name) ?? []), ...(c.req.queries(`${name}[]`) ?? [])];
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function queryInt(c: Ctx, name: string, fallback: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`${name} must be an integer between ${min} and ${max}`);
  }
  return value;
}

export function queryBool(c: Ctx, name: string): boolean {
  const raw = c.req.query(name);
  if (raw === undefined) return false;
  if (raw === 'true' || raw === '') return true;
  if (raw === 'false') return false;
  throw badRequest(`${name} must be true or false`);
}

/** One of `allowed`, or the fallback when absent; anything else is a 400. */
export function queryEnum<T extends string>(c: Ctx, name: string, allowed: readonly T[], fallback: T): T;
export function queryEnum<T extends string>(c: Ctx, name: string, allowed: readonly T[]): T | undefined;
export function queryEnum<T extends string>(
  c: Ctx,
  name: string,
  allowed: readonly T[],
  fallback?: T,
): T | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw badRequest(`${name} must be one of ${allowed.join(', ')}`);
  return raw as T;
}

/** Values of a list parameter, each checked against `allowed`; the default when none is given. */
export function queryStatuses<T extends string>(c: Ctx, allowed: readonly T[], fallback: T[]): T[] {
  const values = queryList(c, 'status');
  for (const v of values)
    if (!(allowed as readonly string[]).includes(v)) throw badRequest(`Invalid status ${v}`);
  return values.length === 0 ? fallback : (values as T[]);
}

/** The JSON request body, or a 400. */
export async function jsonBody(c: Ctx): Promise<Record<string, unknown>> {
  try {
    const body: unknown = await c.req.json();
    if (typeof body !== 'object' || body === null) throw badRequest('Expected a JSON object');
    return body as Record<string, unknown>;
  } catch (error) {
    if (error instanceof SimError) throw error;
    throw badRequest('Malformed JSON body');
  }
}

/** Like jsonBody, but arrays are allowed too. */
export async function jsonValue(c: Ctx): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw badRequest('Malformed JSON body');
  }
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
