// S3 Object Lock for a repository's objects: whether the bucket has it, the retention objects are written with
// (computed from the server's clock), the retention of an object's first version and its extension, and deleting
// for good the versions of removed objects once their retention has ended. On a bucket with Object Lock (and so
// versioning), removing an object only adds a delete marker: the locked version stays, hidden, until its
// retention ends and `purgeRemoved` deletes it by version.

import {
  DeleteObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StepvaultError } from '../../common/errors.ts';
import type { ObjectLockControl, ObjectType, PurgeResult, Retention, RetentionMode } from '../contract.ts';
import type { RepositoryKeys } from './s3-keys.ts';
import { type FirstVersions, isRemoved, listKeyVersions } from './s3-versions.ts';
import type { ServerClock } from './server-clock.ts';

export interface LockedBucket {
  client: S3Client;
  bucket: string;
  keys: RepositoryKeys;
  versions: FirstVersions;
  clock: ServerClock;
  /** Makes one request, mapping its error (the backend's). */
  send<T>(what: string, run: () => Promise<T>): Promise<T>;
}

type SdkMode = 'GOVERNANCE' | 'COMPLIANCE';
const SDK_MODE: Record<RetentionMode, SdkMode> = { governance: 'GOVERNANCE', compliance: 'COMPLIANCE' };

export class S3ObjectLock implements ObjectLockControl {
  readonly #b: LockedBucket;
  #policy: { mode: RetentionMode; until: (serverNow: Date) => Date } | undefined;

  constructor(bucket: LockedBucket) {
    this.#b = bucket;
  }

  async enabled(): Promise<boolean> {
    try {
      const answer = await this.#b.send('GET object lock configuration', () =>
        this.#b.client.send(new GetObjectLockConfigurationCommand({ Bucket: this.#b.bucket })),
      );
      return answer.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
    } catch (e) {
      // A bucket without Object Lock answers 404 (ObjectLockConfigurationNotFoundError), not an empty configuration.
      if (e instanceof StepvaultError && e.code === 'not-found') return false;
      throw e;
    }
  }

  retainNewObjects(mode: RetentionMode, until: (serverNow: Date) => Date): void {
    this.#policy = { mode, until };
  }

  /** The lock parameters of a write of `type` under the policy (none for lease locks: they must stay removable). */
  async writeParameters(
    type: ObjectType,
  ): Promise<{ ObjectLockMode?: SdkMode; ObjectLockRetainUntilDate?: Date }> {
    if (!this.#policy || type === 'locks') return {};
    return {
      ObjectLockMode: SDK_MODE[this.#policy.mode],
      ObjectLockRetainUntilDate: this.#policy.until(await this.serverNow()),
    };
  }

  async serverNow(): Promise<Date> {
    const known = this.#b.clock.now();
    if (known) return known;
    await this.#b.send('HEAD bucket', () =>
      this.#b.client.send(new HeadBucketCommand({ Bucket: this.#b.bucket })),
    );
    const learnt = this.#b.clock.now();
    if (!learnt) {
      throw new StepvaultError('io', `the S3 server of bucket ${this.#b.bucket} sends no Date header`, {
        hint: 'retention is computed from the server clock; this store cannot be used for locked repositories',
      });
    }
    return learnt;
  }

  async retention(type: ObjectType, name: string): Promise<(Retention & { written?: Date }) | undefined> {
    const version = (await this.#b.versions.of(type, name, true))?.first.versionId;
    const head = await this.#b.send(`HEAD ${type}/${name}`, () =>
      this.#b.client.send(
        new HeadObjectCommand({
          Bucket: this.#b.bucket,
          Key: this.#b.keys.key(type, name),
          ...(version ? { VersionId: version } : {}),
        }),
      ),
    );
    if (!head.ObjectLockMode || !head.ObjectLockRetainUntilDate) return undefined;
    return {
      mode: head.ObjectLockMode === 'COMPLIANCE' ? 'compliance' : 'governance',
      until: head.ObjectLockRetainUntilDate,
      ...(head.LastModified ? { written: head.LastModified } : {}),
    };
  }

  async extend(type: ObjectType, name: string, retention: Retention): Promise<void> {
    const version = (await this.#b.versions.of(type, name, true))?.first.versionId;
    await this.#b.send(`PUT retention of ${type}/${name}`, () =>
      this.#b.client.send(
        new PutObjectRetentionCommand({
          Bucket: this.#b.bucket,
          Key: this.#b.keys.key(type, name),
          ...(version ? { VersionId: version } : {}),
          Retention: { Mode: SDK_MODE[retention.mode], RetainUntilDate: retention.until },
        }),
      ),
    );
  }

  tampered(type: ObjectType): { name: string; how: string }[] {
    return this.#b.versions.tampered(type);
  }

  /**
   * Deletes for good the versions of removed objects (the repository's own objects of removable types with a delete
   * marker) once their retention has ended, and then the markers; a version still retained waits for a later run.
   * Objects that are not removed, keys that are not the repository's own objects (other applications' under the
   * same prefix or bucket root) and markers on types stepvault never removes are never touched.
   */
  async purgeRemoved(): Promise<PurgeResult> {
    const result: PurgeResult = { removed: 0, removedBytes: 0, retained: 0, retainedBytes: 0 };
    if (!(await this.#b.versions.versioned())) return result; // removing deleted everything already
    const lister = { client: this.#b.client, bucket: this.#b.bucket, send: this.#b.send };
    const removed = [...(await listKeyVersions(lister, this.#b.keys.base))].filter(([key, v]) => {
      const type = this.#b.keys.typeOf(key);
      return type !== undefined && isRemoved(type, v);
    });
    const all = removed.flatMap(([key, v]) => v.all.map((entry) => ({ key, ...entry })));
    const now = await this.serverNow();
    const waiting = new Set<string>();
    for (const v of all.filter((e) => !e.marker)) {
      const head = await this.#b.send(`HEAD ${v.key} (version ${v.versionId})`, () =>
        this.#b.client.send(
          new HeadObjectCommand({ Bucket: this.#b.bucket, Key: v.key, VersionId: v.versionId }),
        ),
      );
      const until = head.ObjectLockRetainUntilDate;
      if (until && until > now) {
        result.retained++;
        result.retainedBytes += v.size;
        if (!result.retainedUntil || until > result.retainedUntil) result.retainedUntil = until;
        waiting.add(v.key);
        continue;
      }
      await this.#deleteVersion(v.key, v.versionId);
      result.removed++;
      result.removedBytes += v.size;
    }
    for (const m of all.filter((e) => e.marker && !waiting.has(e.key)))
      await this.#deleteVersion(m.key, m.versionId);
    return result;
  }

  async #deleteVersion(key: string, version: string): Promise<void> {
    await this.#b.send(`DELETE ${key} (version ${version})`, () =>
      this.#b.client.send(new DeleteObjectCommand({ Bucket: this.#b.bucket, Key: key, VersionId: version })),
    );
  }
}
