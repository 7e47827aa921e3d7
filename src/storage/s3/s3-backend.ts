// The S3 backend: a repository under a key prefix of a bucket, in the same layout as a local repository
// (`config`, `keys/…`, `data/ab/ab…`, …), so a local repository copied into a bucket is a valid S3 one.
// Writes are create-only (`If-None-Match: *`; names are content hashes, so a second writer of a name writes the same
// bytes) and carry a checksum (`x-amz-checksum-sha256`: for content-named objects it is the name itself); packs
// above MULTIPART_FROM go up in parts. Reads check that every byte announced arrived: the SDK does not notice a
// body that ends early. On a bucket with versioning (every bucket with Object Lock) every read, size and
// retention is that of an object's first version (s3-versions.ts), so a later write of the same name changes
// nothing stepvault reads. Retries, pacing and hash checks of whole objects are the retrying decorator's job
// (retrying-backend.ts): this class makes each request once.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { StepvaultError } from '../../common/errors.ts';
import {
  type Backend,
  type ByteRange,
  CONFIG_NAME,
  CONTENT_NAMED_TYPES,
  isValidObjectName,
  OBJECT_TYPES,
  type ObjectInfo,
  type ObjectType,
  type RequestStats,
} from '../contract.ts';
import type { OpenContext } from '../location.ts';
import { assertObjectName, notFound } from '../object-name.ts';
import { RetryingBackend } from '../retrying-backend.ts';
import { createS3Client } from './s3-client.ts';
import { s3Error } from './s3-errors.ts';
import type { S3Location } from './s3-location.ts';
import { S3ObjectLock } from './s3-object-lock.ts';
import { type KeyVersions, listKeyVersions } from './s3-versions.ts';
import type { ServerClock } from './server-clock.ts';

/**
 * Objects at least this large are uploaded in parts (S3 takes single PUTs up to 5 GiB). Packs (~16 MiB) stay below
 * it: one request each instead of four, and a failed one costs little to send again.
 */
export const MULTIPART_FROM = 64 * 1024 * 1024;
const PART_SIZE = 16 * 1024 * 1024;
/** The types stepvault removes objects of (forget, prune, unlock, key remove); it never removes any other. */
const REMOVABLE: ReadonlySet<ObjectType> = new Set(['keys', 'data', 'index', 'snapshots', 'locks']);

export async function openS3Backend(location: S3Location, context: OpenContext): Promise<Backend> {
  const { client, clock } = createS3Client(location, context);
  return new RetryingBackend(new S3Backend(location, client, clock));
}

export class S3Backend implements Backend {
  readonly location: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  /** '' or 'some/prefix/' */
  readonly #base: string;
  readonly serverClock: ServerClock;
  readonly #stats: RequestStats = { requests: 0, retries: 0, throttled: 0, bytesSent: 0, bytesReceived: 0 };

  readonly #multipartFrom: number;
  /** Whether the bucket keeps versions (asked once); then reads go to first versions. */
  #versioned: Promise<boolean> | undefined;
  /** First versions by key, for the types listed so far (and keys looked up or written since). */
  readonly #versions = new Map<string, KeyVersions>();
  readonly #listedTypes = new Set<ObjectType>();
  readonly objectLock: S3ObjectLock;

  constructor(
    location: S3Location,
    client: S3Client,
    clock: ServerClock,
    options: { multipartFrom?: number } = {},
  ) {
    this.location = location.text;
    this.#multipartFrom = options.multipartFrom ?? MULTIPART_FROM;
    this.#client = client;
    this.#bucket = location.bucket;
    this.#base = location.prefix ? `${location.prefix}/` : '';
    this.serverClock = clock;
    this.objectLock = new S3ObjectLock({
      client,
      bucket: this.#bucket,
      base: this.#base,
      key: (type, name) => this.#key(type, name),
      versioned: () => this.#isVersioned(),
      clock,
      send: (what, run) => this.#send(what, run),
      firstVersion: (type, name, hidden) => this.#firstVersion(type, name, hidden),
      tampered: (type) => this.#tampered(type),
      typeOfKey: (key) => this.#typeOfKey(key),
      removable: (type) => REMOVABLE.has(type),
    });
  }

  #isVersioned(): Promise<boolean> {
    this.#versioned ??= (async () => {
      try {
        const answer = await this.#send('GET bucket versioning', () =>
          this.#client.send(new GetBucketVersioningCommand({ Bucket: this.#bucket })),
        );
        return answer.Status === 'Enabled' || answer.Status === 'Suspended';
      } catch (e) {
        // Without s3:GetBucketVersioning reads go to current versions, as on any bucket without versioning.
        if (e instanceof StepvaultError && /access denied/.test(e.message)) return false;
        this.#versioned = undefined;
        throw e;
      }
    })();
    return this.#versioned;
  }

  #prefixOf(type: ObjectType): string {
    return type === 'config' ? `${this.#base}${CONFIG_NAME}` : `${this.#base}${type}/`;
  }

  /** Lists every version of a type's objects and keeps their first versions. */
  async #listVersions(type: ObjectType): Promise<Map<string, KeyVersions>> {
    const listed = await listKeyVersions(this.#lister(), this.#prefixOf(type));
    for (const [key] of this.#versions)
      if (key.startsWith(this.#prefixOf(type)) && !listed.has(key)) this.#versions.delete(key);
    for (const [key, versions] of listed) this.#versions.set(key, versions);
    this.#listedTypes.add(type);
    return listed;
  }

  #lister() {
    return {
      client: this.#client,
      bucket: this.#bucket,
      send: <T>(what: string, run: () => Promise<T>) => this.#send(what, run),
    };
  }

  /** The first version of an object on a versioned bucket; undefined when the bucket keeps no versions. */
  async #firstVersion(type: ObjectType, name: string, hidden = false): Promise<KeyVersions | undefined> {
    if (!(await this.#isVersioned())) return undefined;
    const key = this.#key(type, name);
    let found = this.#versions.get(key);
    if (!found && !this.#listedTypes.has(type)) found = (await this.#listVersions(type)).get(key);
    if (!found) {
      found = (await listKeyVersions(this.#lister(), key, key)).get(key);
      if (found) this.#versions.set(key, found);
    }
    if (!found || (!hidden && this.#isRemoved(type, found))) throw notFound(this.location, type, name);
    return found;
  }

  /** A delete marker removes an object of a type stepvault removes; on any other type it only shows tampering. */
  #isRemoved(type: ObjectType, versions: KeyVersions): boolean {
    return versions.markers > 0 && REMOVABLE.has(type);
  }

  #tampered(type: ObjectType): { name: string; how: string }[] {
    const prefix = this.#prefixOf(type);
    const found: { name: string; how: string }[] = [];
    for (const [key, v] of this.#versions) {
      const name = key.startsWith(prefix) ? this.#ours(type, key) : undefined;
      if (name === undefined) continue;
      if (v.overwrites > 0) {
        found.push({
          name,
          how: 'was written again after stepvault wrote it (someone with write access tried to overwrite it or bring it back); its first version is what stepvault reads',
        });
      }
      if (v.markers > 0 && !REMOVABLE.has(type)) {
        found.push({
          name,
          how: 'was hidden behind a delete marker, although stepvault never removes such objects (someone with delete permission tried to remove it); its first version is still read',
        });
      }
    }
    return found;
  }

  /** The type of one of this repository's object keys; undefined for any other key. */
  #typeOfKey(key: string): ObjectType | undefined {
    return OBJECT_TYPES.find(
      (type) => key.startsWith(this.#prefixOf(type)) && this.#ours(type, key) !== undefined,
    );
  }

  /** Keeps the version a write made, when it is the key's first. */
  #wrote(type: ObjectType, name: string, versionId: string | undefined, size: number): void {
    if (!versionId || versionId === 'null') return;
    const key = this.#key(type, name);
    const known = this.#versions.get(key);
    if (known) return;
    this.#versions.set(key, {
      first: { versionId, size, modified: undefined, etag: undefined },
      overwrites: 0,
      markers: 0,
      all: [{ versionId, size, marker: false, latest: true }],
    });
  }

  #key(type: ObjectType, name: string): string {
    assertObjectName(type, name);
    if (type === 'config') return `${this.#base}${CONFIG_NAME}`;
    if (type === 'data') return `${this.#base}data/${name.slice(0, 2)}/${name}`;
    return `${this.#base}${type}/${name}`;
  }

  requestStats(): RequestStats {
    return { ...this.#stats };
  }

  /** Makes one request; `what` names it in errors. */
  async #send<T>(what: string, run: () => Promise<T>): Promise<T> {
    this.#stats.requests++;
    try {
      return await run();
    } catch (e) {
      throw s3Error(e, what, this.location);
    }
  }

  async create(): Promise<void> {
    await this.#send('HEAD bucket', () => this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket })));
    const listed = await this.#send('LIST', () =>
      this.#client.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#base, MaxKeys: 10 })),
    );
    const keys = (listed.Contents ?? []).map((c) => c.Key ?? '');
    if (keys.includes(`${this.#base}${CONFIG_NAME}`)) {
      throw new StepvaultError('repository-exists', `a repository already exists at ${this.location}`, {
        hint: 'use it as it is, or choose another prefix for a new one',
      });
    }
    const foreign = keys.filter(
      (k) => !/^(keys|data|index|snapshots|locks|tombstones|chain)\//.test(k.slice(this.#base.length)),
    );
    if (foreign.length > 0) {
      throw new StepvaultError(
        'usage',
        `${this.location} is not empty and is not a repository (it holds ${foreign[0]})`,
        {
          hint: 'initialize a repository under a new or empty prefix: s3:BUCKET/PREFIX',
        },
      );
    }
  }

  /** The checksum header of a PUT: SHA-256 of the bytes (for content-named objects, the name itself). */
  #checksum(type: ObjectType, name: string, data: Uint8Array): string {
    const hex = CONTENT_NAMED_TYPES.has(type) ? name : createHash('sha256').update(data).digest('hex');
    return Buffer.from(hex, 'hex').toString('base64');
  }

  async save(type: ObjectType, name: string, data: Uint8Array): Promise<void> {
    await this.#put(type, name, () => data, data.length, this.#checksum(type, name, data));
  }

  /** Content-named objects below MULTIPART_FROM are streamed from the file (their checksum is their name). */
  async saveFile(type: ObjectType, name: string, file: string): Promise<void> {
    const size = (await fs.promises.stat(file)).size;
    if (size >= this.#multipartFrom) return this.#saveInParts(type, name, file, size);
    if (!CONTENT_NAMED_TYPES.has(type)) return this.save(type, name, await fs.promises.readFile(file));
    const checksum = Buffer.from(name, 'hex').toString('base64');
    await this.#put(type, name, () => fs.createReadStream(file, { highWaterMark: 1 << 20 }), size, checksum);
  }

  /** One create-only PUT with its checksum and, under a lock policy, its retention. */
  async #put(
    type: ObjectType,
    name: string,
    body: () => Uint8Array | fs.ReadStream,
    length: number,
    checksum: string,
  ): Promise<void> {
    const lock = await this.objectLock.writeParameters(type);
    const { VersionId } = await this.#send(`PUT ${type}/${name}`, () =>
      this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(type, name),
          Body: body(),
          ContentLength: length,
          IfNoneMatch: '*',
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: checksum,
          ...lock,
        }),
      ),
    );
    this.#stats.bytesSent += length;
    this.#wrote(type, name, VersionId, length);
  }

  async #saveInParts(type: ObjectType, name: string, file: string, size: number): Promise<void> {
    const key = this.#key(type, name);
    const what = `PUT ${type}/${name}`;
    const lock = await this.objectLock.writeParameters(type);
    const { UploadId } = await this.#send(what, () =>
      this.#client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.#bucket,
          Key: key,
          ChecksumAlgorithm: 'SHA256',
          ...lock,
        }),
      ),
    );
    const parts: { PartNumber: number; ETag: string; ChecksumSHA256: string }[] = [];
    const handle = await fs.promises.open(file, 'r');
    try {
      for (let at = 0, number = 1; at < size; at += PART_SIZE, number++) {
        const length = Math.min(PART_SIZE, size - at);
        const body = Buffer.allocUnsafe(length);
        const { bytesRead } = await handle.read(body, 0, length, at);
        if (bytesRead !== length) throw new StepvaultError('io', `${file} shrank while it was uploaded`);
        const checksum = createHash('sha256').update(body).digest('base64');
        const { ETag } = await this.#send(`${what} (part ${number})`, () =>
          this.#client.send(
            new UploadPartCommand({
              Bucket: this.#bucket,
              Key: key,
              UploadId,
              PartNumber: number,
              Body: body,
              ContentLength: length,
              ChecksumSHA256: checksum,
            }),
          ),
        );
        this.#stats.bytesSent += length;
        parts.push({ PartNumber: number, ETag: ETag!, ChecksumSHA256: checksum });
      }
      const { VersionId } = await this.#send(what, () =>
        this.#client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.#bucket,
            Key: key,
            UploadId,
            IfNoneMatch: '*',
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
      this.#wrote(type, name, VersionId, size);
      // Some stores (RADOS Gateway) drop the lock headers of a multipart upload: set the retention on the result.
      if (lock.ObjectLockMode && lock.ObjectLockRetainUntilDate) {
        await this.objectLock.extend(type, name, {
          mode: lock.ObjectLockMode === 'COMPLIANCE' ? 'compliance' : 'governance',
          until: lock.ObjectLockRetainUntilDate,
        });
      }
    } catch (e) {
      await this.#client
        .send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId }))
        .catch(() => {});
      throw e;
    } finally {
      await handle.close();
    }
  }

  async load(type: ObjectType, name: string, range?: ByteRange): Promise<Buffer> {
    const what = `GET ${type}/${name}${range ? ` [${range.offset}+${range.length}]` : ''}`;
    if (range && range.length === 0) return Buffer.alloc(0);
    const version = (await this.#firstVersion(type, name))?.first.versionId;
    const response = await this.#send(what, () =>
      this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(type, name),
          ...(version ? { VersionId: version } : {}),
          ...(range ? { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {}),
        }),
      ),
    );
    const announced = response.ContentLength ?? 0;
    if (range) {
      const total = Number(/\/(\d+)$/.exec(response.ContentRange ?? '')?.[1] ?? Number.NaN);
      if (announced < range.length || (!Number.isNaN(total) && total < range.offset + range.length)) {
        (response.Body as NodeJS.ReadableStream | undefined)?.resume?.();
        throw new StepvaultError(
          'corrupt',
          `${type}/${name} is ${Number.isNaN(total) ? 'shorter' : `${total} bytes`} but bytes ${range.offset}..${range.offset + range.length} were requested: the object is truncated`,
          { hint: 'run `stepvault check --read-data` to see what is affected' },
        );
      }
    }
    const bytes = await readBody(response.Body as AsyncIterable<Uint8Array>, announced, what);
    this.#stats.bytesReceived += bytes.length;
    return bytes;
  }

  async stat(type: ObjectType, name: string): Promise<ObjectInfo> {
    const versions = await this.#firstVersion(type, name);
    if (versions?.first.modified)
      return { name, size: versions.first.size, modified: versions.first.modified };
    const head = await this.#send(`HEAD ${type}/${name}`, () =>
      this.#client.send(
        new HeadObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(type, name),
          ...(versions ? { VersionId: versions.first.versionId } : {}),
        }),
      ),
    );
    return {
      name,
      size: head.ContentLength ?? 0,
      ...(head.LastModified ? { modified: head.LastModified } : {}),
    };
  }

  /** The objects of a type; on a versioned bucket those not removed, each with its first version's size. */
  async *list(type: ObjectType): AsyncIterable<ObjectInfo> {
    const prefix = this.#prefixOf(type);
    if (await this.#isVersioned()) {
      for (const [key, v] of await this.#listVersions(type)) {
        const info = this.#ours(type, key);
        if (info === undefined || this.#isRemoved(type, v)) continue;
        yield { name: info, size: v.first.size, ...(v.first.modified ? { modified: v.first.modified } : {}) };
      }
      return;
    }
    let token: string | undefined;
    do {
      const page = await this.#send(`LIST ${type}/`, () =>
        this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        const name = this.#ours(type, object.Key ?? '');
        if (name === undefined) continue;
        yield {
          name,
          size: object.Size ?? 0,
          ...(object.LastModified ? { modified: object.LastModified } : {}),
        };
      }
      if (page.IsTruncated && !page.NextContinuationToken) {
        throw new StepvaultError(
          'io',
          `LIST ${type}/ in ${this.location}: the listing is truncated without a continuation token`,
          { retryable: true },
        );
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** The object name of a listed key, when it is one of this repository's objects of that type (else undefined). */
  #ours(type: ObjectType, key: string): string | undefined {
    const name =
      type === 'config'
        ? key === this.#prefixOf(type)
          ? CONFIG_NAME
          : ''
        : key.slice(key.lastIndexOf('/') + 1);
    // Anything else (foreign keys, a hostile listing) is never handed on.
    return isValidObjectName(type, name) && key === this.#key(type, name) ? name : undefined;
  }

  /** On a versioned bucket this only hides the object (a delete marker); its versions stay while retained. */
  async remove(type: ObjectType, name: string): Promise<void> {
    await this.#send(`DELETE ${type}/${name}`, () =>
      this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(type, name) })),
    );
    const known = this.#versions.get(this.#key(type, name));
    if (known) known.markers++;
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}

/** Reads a response body whole, refusing one that ends before its announced length (retryable: it was cut). */
async function readBody(
  body: AsyncIterable<Uint8Array> | undefined,
  length: number,
  what: string,
): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  if (body) {
    try {
      for await (const chunk of body) {
        if (at + chunk.length > length) {
          throw new StepvaultError(
            'io',
            `${what}: the server sent more than the ${length} bytes it announced`,
            {
              retryable: true,
            },
          );
        }
        out.set(chunk, at);
        at += chunk.length;
      }
    } catch (e) {
      if (e instanceof StepvaultError) throw e;
      throw new StepvaultError('io', `${what}: the download broke off after ${at} of ${length} bytes`, {
        retryable: true,
        cause: e,
      });
    }
  }
  if (at !== length) {
    throw new StepvaultError('io', `${what}: the download ended after ${at} of ${length} bytes`, {
      retryable: true,
    });
  }
  return out;
}
