// The small vocabulary the endpoint modules share: the transport plus the page size, and one-liners for a
// list (cursor pagination), a GET, and a write with a JSON body, each parsed with its schema.

import type { z } from 'zod';
import type { CallOptions, WriteOptions } from './client-types.ts';
import { endpoint, type QueryValue } from './endpoint.ts';
import type { HttpMethod, HttpTransport } from './http-transport.ts';
import { paginate } from './pagination.ts';

export interface Api {
  transport: HttpTransport;
  pageSize: number;
}

type Params = Record<string, string | number>;
type Query = Record<string, QueryValue>;

/** URL path segment of each kind of content. */
export const SEGMENT = {
  page: 'pages',
  blogpost: 'blogposts',
  attachment: 'attachments',
  comment: 'comments',
  folder: 'folders',
  whiteboard: 'whiteboards',
  database: 'databases',
  embed: 'embeds',
} as const;

export function list<T>(
  api: Api,
  template: string,
  params: Params,
  query: Query,
  item: z.ZodType<T>,
  options: CallOptions,
  limit = api.pageSize,
): AsyncIterable<T> {
  return paginate(api.transport, {
    target: endpoint(template, params, { ...query, limit }),
    item,
    signal: options.signal,
  });
}

export async function get<T>(
  api: Api,
  template: string,
  params: Params,
  query: Query,
  schema: z.ZodType<T>,
  options: CallOptions,
): Promise<T> {
  const target = endpoint(template, params, query);
  return (await api.transport.json({ method: 'GET', target, signal: options.signal }, schema)).data;
}

export async function write<T>(
  api: Api,
  method: Exclude<HttpMethod, 'GET'>,
  template: string,
  params: Params,
  query: Query,
  json: unknown,
  schema: z.ZodType<T>,
  options: WriteOptions,
): Promise<T> {
  const target = endpoint(template, params, query);
  const spec = {
    method,
    target,
    ...(json === undefined ? {} : { json }),
    retryServerErrors: options.retryServerErrors ?? false,
    signal: options.signal,
  };
  return (await api.transport.json(spec, schema)).data;
}

/** A write whose answer carries nothing we need (204, or a body we ignore). */
export async function writeNoContent(
  api: Api,
  method: Exclude<HttpMethod, 'GET'>,
  template: string,
  params: Params,
  query: Query,
  json: unknown,
  options: WriteOptions,
  headers: Record<string, string> = {},
): Promise<void> {
  await api.transport.request({
    method,
    target: endpoint(template, params, query),
    ...(json === undefined ? {} : { json }),
    headers,
    retryServerErrors: options.retryServerErrors ?? false,
    signal: options.signal,
  });
}
