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
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StepvaultError } from '../../common/errors.ts';
import {
  type Backend,
  type ByteRange,
  CONFIG_NAME,
  CONTENT_NAMED_TYPES,
  type ObjectInfo,
  type ObjectType,
  type RequestStats,
} from '../contract.ts';
import type { OpenContext } from '../location.ts';
import { RetryingBackend } from '../retrying-backend.ts';
import { readBody } from './s3-body.ts';
import { createS3Client } from './s3-client.ts';
import { s3Error } from './s3-errors.ts';
import { RepositoryKeys } from './s3-keys.ts';
import type { S3Location } from './s3-location.ts';
import { uploadInParts } from './s3-multipart.ts';
import { S3ObjectLock } from './s3-object-lock.ts';
import { FirstVersions } from './s3-versions.ts';
import type { ServerClock } from './server-clock.ts';

/**
 * Objects at least this large are uploaded in parts (S3 takes single PUTs up to 5 GiB). Packs (~16 MiB) stay below
 * it: one request each instead of four, and a failed one costs little to send again.
 */
export const MULTIPART_FROM = 64 * 1024 * 1024;

export async function openS3Backend(location: S3Location, context: OpenContext): Promise<Backend> {
  const { client, clock } = createS3Client(location, context);
  return new RetryingBackend(new S3Backend(location, client, clock));
}

export class S3Backend implements Backend {
  readonly location: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #keys: RepositoryKeys;
  readonly #versions: FirstVersions;
  readonly serverClock: ServerClock;
  readonly #stats: RequestStats = { requests: 0, retries: 0, throttled: 0, bytesSent: 0, bytesReceived: 0 };
  readonly #multipartFrom: number;
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
    this.#keys = new RepositoryKeys(location.prefix);
    this.serverClock = clock;
    const send = <T>(what: string, run: () => Promise<T>) => this.#send(what, run);
    this.#versions = new FirstVersions({ client, bucket: this.#bucket, send }, this.#keys, this.location);
    this.objectLock = new S3ObjectLock({
      client,
      bucket: this.#bucket,
      keys: this.#keys,
      versions: this.#versions,
      clock,
      send,
    });
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
    const base = this.#keys.base;
    const listed = await this.#send('LIST', () =>
      this.#client.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: base, MaxKeys: 10 })),
    );
    const keys = (listed.Contents ?? []).map((c) => c.Key ?? '');
    if (keys.includes(`${base}${CONFIG_NAME}`)) {
      throw new StepvaultError('repository-exists', `a repository already exists at ${this.location}`, {
        hint: 'use it as it is, or choose another prefix for a new one',
      });
    }
    const foreign = keys.filter((k) => this.#keys.typeOf(k) === undefined);
    if (foreign.length > 0) {
      throw new StepvaultError(
        'usage',
        `${this.location} is not empty and is not a repository (it holds ${foreign[0]})`,
        { hint: 'initialize a repository under a new or empty prefix: s3:BUCKET/PREFIX' },
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
          Key: this.#keys.key(type, name),
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
    this.#versions.wrote(type, name, VersionId, length);
  }

  async #saveInParts(type: ObjectType, name: string, file: string, size: number): Promise<void> {
    const lock = await this.objectLock.writeParameters(type);
    const version = await uploadInParts(
      {
        client: this.#client,
        bucket: this.#bucket,
        key: this.#keys.key(type, name),
        what: `PUT ${type}/${name}`,
        lock,
        send: (what, run) => this.#send(what, run),
        sent: (bytes) => {
          this.#stats.bytesSent += bytes;
        },
      },
      file,
      size,
    );
    this.#versions.wrote(type, name, version, size);
    // Some stores (RADOS Gateway) drop the lock headers of a multipart upload: set the retention on the result.
    if (lock.ObjectLockMode && lock.ObjectLockRetainUntilDate) {
      await this.objectLock.extend(type, name, {
        mode: lock.ObjectLockMode === 'COMPLIANCE' ? 'compliance' : 'governance',
        until: lock.ObjectLockRetainUntilDate,
      });
    }
  }

  async load(type: ObjectType, name: string, range?: ByteRange, into?: Buffer): Promise<Buffer> {
    const what = `GET ${type}/${name}${range ? ` [${range.offset}+${range.length}]` : ''}`;
    if (range && range.length === 0) return Buffer.alloc(0);
    const version = (await this.#versions.of(type, name))?.first.versionId;
    const response = await this.#send(what, () =>
      this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: this.#keys.key(type, name),
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
    const bytes = await readBody(response.Body as AsyncIterable<Uint8Array>, announced, what, into);
    this.#stats.bytesReceived += bytes.length;
    return bytes;
  }

  async stat(type: ObjectType, name: string): Promise<ObjectInfo> {
    const versions = await this.#versions.of(type, name);
    if (versions?.first.modified)
      return { name, size: versions.first.size, modified: versions.first.modified };
    const head = await this.#send(`HEAD ${type}/${name}`, () =>
      this.#client.send(
        new HeadObjectCommand({
          Bucket: this.#bucket,
          Key: this.#keys.key(type, name),
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
    if (await this.#versions.versioned()) {
      for (const { name, versions } of await this.#versions.list(type)) {
        const { size, modified } = versions.first;
        yield { name, size, ...(modified ? { modified } : {}) };
      }
      return;
    }
    let token: string | undefined;
    do {
      const page = await this.#send(`LIST ${type}/`, () =>
        this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: this.#keys.prefixOf(type),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        // Anything but the repository's own objects (foreign keys, a hostile listing) is never handed on.
        const name = this.#keys.nameOf(type, object.Key ?? '');
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

  /** On a versioned bucket this only hides the object (a delete marker); its versions stay while retained. */
  async remove(type: ObjectType, name: string): Promise<void> {
    await this.#send(`DELETE ${type}/${name}`, () =>
      this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#keys.key(type, name) })),
    );
    this.#versions.removed(type, name);
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
