// Reading what a request carries, defensively: a JSON body of at most 64 KiB (413 beyond, counted while it
// streams in, whatever Content-Length claims), as `application/json` (415 otherwise), valid UTF-8 and JSON,
// nested at most 8 levels (checked without recursion), then checked by a strict zod schema (400 naming the
// field); queries without repeated or unknown parameters; path parameters by their pattern.

import type { z } from 'zod';
import { ApiError } from './api-errors.ts';

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_DEPTH = 8;

export async function readJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  const declared = request.headers.get('content-length');
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > MAX_BODY_BYTES)) throw tooLarge();
  const bytes = await readLimited(request);
  let value: unknown = {};
  if (bytes.length > 0) {
    const type = request.headers.get('content-type') ?? '';
    if (!/^application\/json\s*(?:;\s*charset=utf-8\s*)?$/i.test(type)) {
      throw new ApiError(
        415,
        'unsupported-media-type',
        'the body must be JSON (Content-Type: application/json)',
      );
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ApiError(400, 'usage', 'the body is not valid UTF-8');
    }
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(400, 'usage', 'the body is not valid JSON');
    }
    if (depthOf(value) > MAX_DEPTH) {
      throw new ApiError(400, 'usage', `the body is nested more than ${MAX_DEPTH} levels deep`);
    }
  }
  return validate(schema, value, 'body');
}

export function readQuery<S extends z.ZodType>(url: URL, schema: S): z.output<S> {
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (Object.hasOwn(query, key))
      throw new ApiError(400, 'usage', `the query parameter ${safe(key)} is repeated`);
    Object.defineProperty(query, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return validate(schema, query, 'query');
}

export function readParam<S extends z.ZodType>(
  value: string | undefined,
  schema: S,
  name: string,
): z.output<S> {
  return validate(schema, value, name);
}

function validate<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 20).map((i) => {
    const at = i.path.length > 0 ? `${where}.${i.path.map((p) => safe(String(p))).join('.')}` : where;
    return `${at}: ${i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.map(safe).join(', ')}` : i.message}`;
  });
  throw new ApiError(400, 'usage', `invalid ${where}: ${issues[0] ?? 'not allowed'}`, { issues });
}

/** Names from the request echoed in messages: printable, short. */
function safe(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(clean.length > 64 ? `${clean.slice(0, 64)}…` : clean);
}

async function readLimited(request: Request): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function tooLarge(): ApiError {
  return new ApiError(413, 'payload-too-large', `the body is larger than ${MAX_BODY_BYTES} bytes`);
}

/** How deeply arrays and objects nest (a scalar is 0), without recursion. */
export function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (depth > MAX_DEPTH) return depth;
    for (const inner of Array.isArray(v) ? v : Object.values(v)) stack.push([inner, depth]);
  }
  return max;
}
