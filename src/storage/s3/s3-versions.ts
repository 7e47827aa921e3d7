// The first version of every object, on a bucket with versioning (every bucket with Object Lock has it). Objects
// are write-once, so the first version of a name is the one stepvault wrote; a later version is a second write of
// the same name — the same bytes when stepvault retried a PUT, anything at all when someone with write credentials
// tried to overwrite it (S3-compatible stores may ignore If-None-Match on such buckets). Reads, sizes, retention and
// purges all go to first versions, so an overwrite changes nothing that is read, and is reported. A name is never
// written again after stepvault removed it (every object it writes is sealed with a fresh salt), so a delete marker
// means removed for good: a version written after one is foreign too, and never brings the object back.

import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { StepvaultError } from '../../common/errors.ts';

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
