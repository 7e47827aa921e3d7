// The first version of every object, on a bucket with versioning (every bucket with Object Lock has it). Objects
// are write-once, so the first version of a name is the one stepvault wrote; a later version is a second write of
// the same name — the same bytes when stepvault retried a PUT, anything at all when someone with write credentials
// tried to overwrite it (S3-compatible stores may ignore If-None-Match on such buckets). Reads, sizes, retention and
// purges all go to first versions, so an overwrite changes nothing that is read, and is reported. A name is never
// written again after stepvault removed it (every object it writes is sealed with a fresh salt), so a delete marker
// means removed for good: a version written after one is foreign too, and never brings the object back.

import { GetBucketVersioningCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { StepvaultError } from '../../common/errors.ts';
import type { ObjectType } from '../contract.ts';
import { notFound } from '../object-name.ts';
import type { RepositoryKeys } from './s3-keys.ts';

export interface KeyVersions {
  /** The version stepvault wrote. */
  first: { versionId: string; size: number; modified: Date | undefined; etag: string | undefined };
  /**
   * Versions written after it with other content (same-content versions of retried PUTs do not count), or after a
   * delete marker (with any content).
   */
  overwrites: number;
  /** Delete markers: the object was removed (its versions stay while retained), or someone tried to hide it. */
  markers: number;
  /** Every version and delete marker, for purging. */
  all: { versionId: string; size: number; marker: boolean; latest: boolean }[];
}

export interface VersionLister {
  client: S3Client;
  bucket: string;
  send<T>(what: string, run: () => Promise<T>): Promise<T>;
}

/** Lists every version under `prefix`, page by page; a failed page throws (a listing is never taken for empty). */
export async function listKeyVersions(
  lister: VersionLister,
  prefix: string,
  exactKey?: string,
): Promise<Map<string, KeyVersions>> {
  const keys = new Map<string, KeyVersions>();
  const entriesOf = (key: string) => {
    let k = keys.get(key);
    if (!k) {
      k = { first: undefined as never, overwrites: 0, markers: 0, all: [] };
      keys.set(key, k);
    }
    return k;
  };
  /** When each key was first marked deleted. */
  const markedAt = new Map<string, number>();
  const versions: {
    key: string;
    versionId: string;
    size: number;
    modified: Date | undefined;
    etag: string | undefined;
    latest: boolean;
  }[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await lister.send(`LIST versions of ${prefix}`, () =>
      lister.client.send(
        new ListObjectVersionsCommand({
          Bucket: lister.bucket,
          Prefix: prefix,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
        }),
      ),
    );
    for (const v of page.Versions ?? []) {
      if (!v.Key || !v.VersionId || (exactKey && v.Key !== exactKey)) continue;
      versions.push({
        key: v.Key,
        versionId: v.VersionId,
        size: v.Size ?? 0,
        modified: v.LastModified,
        etag: v.ETag,
        latest: v.IsLatest === true,
      });
    }
    for (const m of page.DeleteMarkers ?? []) {
      if (!m.Key || !m.VersionId || (exactKey && m.Key !== exactKey)) continue;
      const k = entriesOf(m.Key);
      k.all.push({ versionId: m.VersionId, size: 0, marker: true, latest: m.IsLatest === true });
      k.markers++;
      const at = m.LastModified?.getTime() ?? 0;
      markedAt.set(m.Key, Math.min(markedAt.get(m.Key) ?? at, at));
    }
    if (page.IsTruncated && !page.NextKeyMarker) {
      throw new StepvaultError('io', `LIST versions of ${prefix}: truncated without a marker`, {
        retryable: true,
      });
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  // S3 lists the versions of a key newest first (timestamps may tie within a second): the last one is the first.
  for (const v of versions.reverse()) {
    const k = entriesOf(v.key);
    k.all.push({ versionId: v.versionId, size: v.size, marker: false, latest: v.latest });
    if (!k.first) k.first = { versionId: v.versionId, size: v.size, modified: v.modified, etag: v.etag };
    else if (v.etag !== k.first.etag || v.size !== k.first.size) k.overwrites++;
    else if (markedAt.has(v.key) && (v.modified?.getTime() ?? 0) > markedAt.get(v.key)!) k.overwrites++;
  }
  // Keys with only delete markers have no first version: nothing to read.
  for (const [key, k] of keys) if (!k.first) keys.delete(key);
  return keys;
}

/** The types stepvault removes objects of (forget, prune, unlock, key remove); it never removes any other. */
export const REMOVABLE: ReadonlySet<ObjectType> = new Set(['keys', 'data', 'index', 'snapshots', 'locks']);

/**
 * The first versions of a repository's objects, as far as this process has seen them: whole types as they are
 * listed, single keys as they are read, and what this process writes. Asks the bucket once whether it keeps
 * versions at all (without s3:GetBucketVersioning, reads go to current versions as on any bucket without them).
 */
export class FirstVersions {
  readonly #lister: VersionLister;
  readonly #keys: RepositoryKeys;
  readonly #location: string;
  #versioned: Promise<boolean> | undefined;
  readonly #byKey = new Map<string, KeyVersions>();
  readonly #listedTypes = new Set<ObjectType>();

  constructor(lister: VersionLister, keys: RepositoryKeys, location: string) {
    this.#lister = lister;
    this.#keys = keys;
    this.#location = location;
  }

  versioned(): Promise<boolean> {
    this.#versioned ??= (async () => {
      try {
        const answer = await this.#lister.send('GET bucket versioning', () =>
          this.#lister.client.send(new GetBucketVersioningCommand({ Bucket: this.#lister.bucket })),
        );
        return answer.Status === 'Enabled' || answer.Status === 'Suspended';
      } catch (e) {
        if (e instanceof StepvaultError && /access denied/.test(e.message)) return false;
        this.#versioned = undefined;
        throw e;
      }
    })();
    return this.#versioned;
  }

  /** Every object of a type with its versions (kept for later reads); objects removed by a marker are left out. */
  async list(type: ObjectType): Promise<{ name: string; versions: KeyVersions }[]> {
    const prefix = this.#keys.prefixOf(type);
    const listed = await listKeyVersions(this.#lister, prefix);
    for (const key of this.#byKey.keys())
      if (key.startsWith(prefix) && !listed.has(key)) this.#byKey.delete(key);
    for (const [key, versions] of listed) this.#byKey.set(key, versions);
    this.#listedTypes.add(type);
    const out: { name: string; versions: KeyVersions }[] = [];
    for (const [key, versions] of listed) {
      const name = this.#keys.nameOf(type, key);
      if (name !== undefined && !isRemoved(type, versions)) out.push({ name, versions });
    }
    return out;
  }

  /**
   * The versions of an object, on a bucket that keeps them (undefined on one that does not); not-found when it was
   * removed, unless `hidden` (retention is still kept on an object something needs, even if someone hid it).
   */
  async of(type: ObjectType, name: string, hidden = false): Promise<KeyVersions | undefined> {
    if (!(await this.versioned())) return undefined;
    const key = this.#keys.key(type, name);
    let found = this.#byKey.get(key);
    if (!found && !this.#listedTypes.has(type)) {
      await this.list(type);
      found = this.#byKey.get(key);
    }
    if (!found) {
      found = (await listKeyVersions(this.#lister, key, key)).get(key);
      if (found) this.#byKey.set(key, found);
    }
    if (!found || (!hidden && isRemoved(type, found))) throw notFound(this.#location, type, name);
    return found;
  }

  /** Keeps the version a write made, when it is the key's first. */
  wrote(type: ObjectType, name: string, versionId: string | undefined, size: number): void {
    const key = this.#keys.key(type, name);
    if (!versionId || versionId === 'null' || this.#byKey.has(key)) return;
    this.#byKey.set(key, {
      first: { versionId, size, modified: undefined, etag: undefined },
      overwrites: 0,
      markers: 0,
      all: [{ versionId, size, marker: false, latest: true }],
    });
  }

  removed(type: ObjectType, name: string): void {
    const known = this.#byKey.get(this.#keys.key(type, name));
    if (known) known.markers++;
  }

  /** Objects of a type someone wrote again, or hid where stepvault never removes (known for types listed). */
  tampered(type: ObjectType): { name: string; how: string }[] {
    const found: { name: string; how: string }[] = [];
    for (const [key, v] of this.#byKey) {
      const name = this.#keys.nameOf(type, key);
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
}

/** A delete marker removes an object of a type stepvault removes; on any other type it only shows tampering. */
export function isRemoved(type: ObjectType, versions: KeyVersions): boolean {
  return versions.markers > 0 && REMOVABLE.has(type);
}
