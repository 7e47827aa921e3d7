// Items in and results out of a distributed Map, by default on the local disk (an S3-like layout where bucket `B`
// and key `K` are the file `<root>/B/K`). ItemReader: `s3:getObject` of a JSON array, JSON Lines or CSV file, or
// `s3:listObjectsV2` of a prefix. ResultWriter: `s3:putObject` writes SUCCEEDED_n.json / FAILED_n.json and a
// manifest.json under `<Prefix>/<map run id>/`, as Step Functions does. The same reading and writing works on
// any ObjectStore: the plans give the engine one over S3 (plans/aws-sdk/s3-item-io.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { StepvaultError } from '../../common/errors.ts';
import { isObject, type Json, type JsonObject } from '../asl/json.ts';
import { TaskFailure } from './task-registry.ts';

export interface ItemIo {
  read(resource: string, parameters: Json, config: JsonObject): Promise<Json[]>;
  write(
    resource: string,
    parameters: Json,
    config: JsonObject,
    mapRunArn: string,
    results: { index: number; ok: boolean; value: Json }[],
  ): Promise<Json>;
}

function param(parameters: Json, name: string): string {
  const v = isObject(parameters) ? parameters[name] : undefined;
  if (typeof v !== 'string')
    throw new TaskFailure('States.ItemReaderFailed', `the ItemReader needs a string '${name}' parameter`);
  return v;
}

function inside(root: string, ...parts: string[]): string {
  const full = path.resolve(root, ...parts);
  if (!full.startsWith(path.resolve(root) + path.sep))
    throw new TaskFailure('States.ItemReaderFailed', `'${parts.join('/')}' leaves the bucket directory`);
  return full;
}

/**
 * Where a distributed Map's items and results live: S3's three calls, on whatever store. A failure is thrown as
 * is (the caller names it ItemReaderFailed or ResultWriterFailed).
 */
export interface ObjectStore {
  /** An object's text; one larger than `maxBytes` is refused unread (whoever writes the bucket decides its size). */
  getText(bucket: string, key: string, maxBytes?: number): Promise<string>;
  /** Every object under `prefix`, in key order, as ListObjectsV2 gives them (Key, Size, LastModified, …). */
  list(bucket: string, prefix: string): Promise<Json[]>;
  put(bucket: string, key: string, body: string): Promise<void>;
}

/** Items in and results out through `store`, as Step Functions reads and writes them in S3. */
export function objectStoreItemIo(store: ObjectStore): ItemIo {
  return {
    async read(resource, parameters, config) {
      const max =
        typeof config.MaxItems === 'number' && config.MaxItems > 0
          ? config.MaxItems
          : Number.POSITIVE_INFINITY;
      let items: Json[];
      try {
        if (resource.endsWith(':s3:listObjectsV2'))
          items = await store.list(
            param(parameters, 'Bucket'),
            isObject(parameters) && typeof parameters.Prefix === 'string' ? parameters.Prefix : '',
          );
        else if (resource.endsWith(':s3:getObject')) {
          const text = await store.getText(param(parameters, 'Bucket'), param(parameters, 'Key'));
          items = parseItems(text, config);
        } else
          throw new TaskFailure(
            'States.ItemReaderFailed',
            `unsupported ItemReader resource '${resource}' (use arn:aws:states:::s3:getObject or s3:listObjectsV2)`,
          );
      } catch (e) {
        if (e instanceof TaskFailure) throw e;
        throw new TaskFailure('States.ItemReaderFailed', (e as Error).message);
      }
      return items.slice(0, max);
    },
    async write(resource, parameters, config, mapRunArn, results) {
      if (!resource.endsWith(':s3:putObject'))
        throw new TaskFailure(
          'States.ResultWriterFailed',
          `unsupported ResultWriter resource '${resource}' (use arn:aws:states:::s3:putObject)`,
        );
      const bucket = isObject(parameters) && typeof parameters.Bucket === 'string' ? parameters.Bucket : '';
      const prefix =
        isObject(parameters) && typeof parameters.Prefix === 'string'
          ? parameters.Prefix.replace(/\/+$/, '')
          : '';
      if (!bucket)
        throw new TaskFailure('States.ResultWriterFailed', "the ResultWriter needs a 'Bucket' parameter");
      const runId = mapRunArn.split(':').at(-1)!;
      const keyDir = [prefix, runId].filter(Boolean).join('/');
      const jsonl = config.OutputType === 'JSONL';
      const file = (status: string) => `${keyDir}/${status}_0.${jsonl ? 'jsonl' : 'json'}`;
      const entries = (ok: boolean) =>
        results
          .filter((r) => r.ok === ok)
          .map((r) =>
            ok
              ? { Index: r.index, Output: JSON.stringify(r.value), Status: 'SUCCEEDED' }
              : { Index: r.index, ...(isObject(r.value) ? r.value : {}), Status: 'FAILED' },
          );
      const written: Record<string, { Key: string; Size: number }[]> = {
        SUCCEEDED: [],
        FAILED: [],
        PENDING: [],
      };
      try {
        for (const [status, ok] of [
          ['SUCCEEDED', true],
          ['FAILED', false],
        ] as const) {
          const list = entries(ok);
          if (list.length === 0) continue;
          const body = jsonl ? `${list.map((e) => JSON.stringify(e)).join('\n')}\n` : JSON.stringify(list);
          await store.put(bucket, file(status), body);
          written[status]!.push({ Key: file(status), Size: Buffer.byteLength(body) });
        }
        const manifest = { DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: written };
        await store.put(bucket, `${keyDir}/manifest.json`, JSON.stringify(manifest));
      } catch (e) {
        if (e instanceof TaskFailure)
          throw new TaskFailure('States.ResultWriterFailed', e.causeText ?? e.message);
        throw new TaskFailure('States.ResultWriterFailed', (e as Error).message);
      }
      return { Bucket: bucket, Key: `${keyDir}/manifest.json` };
    },
  };
}

/** Buckets as directories: bucket `B`, key `K` is the file `<root>/B/K`. */
export function localItemIo(root: string): ItemIo {
  return objectStoreItemIo(localObjectStore(root));
}

/** Refuses an object larger than `maxBytes`, naming it. */
export function assertSize(key: string, size: number, maxBytes: number): void {
  if (size > maxBytes)
    throw new StepvaultError('corrupt', `${key} holds ${size} bytes, more than the ${maxBytes} it may`, {
      hint: 'something other than stepvault wrote that object: find out who can write the bucket',
    });
}

/** An ObjectStore of directories: bucket `B`, key `K` is the file `<root>/B/K` (a key never leaves its bucket). */
export function localObjectStore(root: string): ObjectStore {
  return {
    async getText(bucket, key, maxBytes) {
      const file = inside(root, bucket, key);
      if (maxBytes !== undefined) assertSize(key, fs.statSync(file).size, maxBytes);
      return fs.readFileSync(file, 'utf8');
    },
    async list(bucket, prefix) {
      return listObjects(root, bucket, prefix);
    },
    async put(bucket, key, body) {
      const file = inside(root, bucket, key);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, body);
    },
  };
}

function listObjects(root: string, bucket: string, prefix: string): Json[] {
  const base = inside(root, bucket, '.');
  const out: Json[] = [];
  const walk = (dir: string) => {
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const key = path.relative(base, full).split(path.sep).join('/');
        if (!key.startsWith(prefix)) continue;
        const st = fs.statSync(full);
        out.push({ Key: key, Size: st.size, LastModified: st.mtime.toISOString(), StorageClass: 'STANDARD' });
      }
    }
  };
  walk(base);
  return out;
}

function parseItems(text: string, config: JsonObject): Json[] {
  const type = typeof config.InputType === 'string' ? config.InputType : 'JSON';
  if (type === 'JSON') {
    const value = JSON.parse(text) as Json;
    if (!Array.isArray(value))
      throw new TaskFailure('States.ItemReaderFailed', 'the JSON file must hold an array of items');
    return value;
  }
  if (type === 'JSONL')
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Json);
  if (type === 'CSV') return parseCsv(text, config);
  throw new TaskFailure(
    'States.ItemReaderFailed',
    `unsupported InputType '${type}' (use JSON, JSONL or CSV)`,
  );
}

const DELIMITERS: Record<string, string> = { COMMA: ',', PIPE: '|', SEMICOLON: ';', SPACE: ' ', TAB: '\t' };

/** CSV as RFC 4180 (quoted fields, doubled quotes); rows become objects keyed by the header. */
export function parseCsv(text: string, config: JsonObject): Json[] {
  const delimiter =
    DELIMITERS[typeof config.CSVDelimiter === 'string' ? config.CSVDelimiter : 'COMMA'] ?? ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const given = Array.isArray(config.CSVHeaders) ? (config.CSVHeaders as string[]) : undefined;
  const headers = config.CSVHeaderLocation === 'GIVEN' && given ? given : (rows.shift() ?? []);
  return rows
    .filter((r) => r.length > 1 || r[0] !== '')
    .map((r) => Object.fromEntries(headers.map((h, i) => [h, r[i] ?? ''])));
}
