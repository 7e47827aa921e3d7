// The storage contract: a flat, write-once object store that a repository lives in. Every backend (local,
// memory, s3) implements it and passes the same conformance suite (backend-conformance.ts).

export const OBJECT_TYPES = [
  'config',
  'keys',
  'data',
  'index',
  'snapshots',
  'locks',
  'tombstones',
  'chain',
] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** The single name the `config` object has. */
export const CONFIG_NAME = 'config';

export interface ObjectInfo {
  name: string;
  size: number;
  /** When the backend knows it: used for grace periods of unreferenced objects. */
  modified?: Date;
}

export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * Contract every backend fulfils:
 * - `save` is create-only and atomic: afterwards the object is durable and whole; if an object of that name
 *   exists, it throws `already-exists` and leaves the existing one untouched. A crash during `save` leaves
 *   either nothing or the whole object, never a partial one under the final name.
 * - `load` of a missing object throws `not-found`; a range beyond the object's end throws `corrupt`
 *   (the object is shorter than its index says: it was truncated). A load returns exactly the bytes asked for.
 * - `remove` of a missing object succeeds (object stores cannot tell cheaply whether it was there).
 * - `list` yields every object of a type exactly once, in no particular order; a listing that fails throws (it is
 *   never taken for an empty one).
 * - Errors are StepvaultErrors; `retryable` says whether trying again may help.
 */
export interface Backend {
  /** Where the repository is, for messages; never contains credentials. */
  readonly location: string;
  /** Prepares an empty repository location; throws `repository-exists` if a config is already there. */
  create(): Promise<void>;
  save(type: ObjectType, name: string, data: Uint8Array): Promise<void>;
  /**
   * Stores the bytes of the local file `file` as an object, with `save`'s guarantees, without holding them all in
   * memory where the backend can avoid it. The caller removes the file afterwards (whether this succeeded or not);
   * a backend with `localFiles` takes a file in its staging directory without copying it.
   */
  saveFile(type: ObjectType, name: string, file: string): Promise<void>;
  /**
   * Reads an object, or a range of it. `into` is a buffer the backend may read the bytes into (from its start)
   * instead of allocating one, when it is long enough; callers use the returned bytes either way.
   */
  load(type: ObjectType, name: string, range?: ByteRange, into?: Buffer): Promise<Buffer>;
  stat(type: ObjectType, name: string): Promise<ObjectInfo>;
  list(type: ObjectType): AsyncIterable<ObjectInfo>;
  remove(type: ObjectType, name: string): Promise<void>;
  close(): Promise<void>;
  /** Optional capability of backends whose objects are plain files on this machine (the local disk). */
  readonly localFiles?: LocalFiles | undefined;
  /**
   * Optional: removes what writers that crashed or were killed left in the backend's temporary area (half-written
   * objects, staged packs) last modified before `olderThan`; returns how many files. Callers make sure no writer
   * is at work (prune, under the exclusive lock).
   */
  removeStaleTemporaries?(olderThan: Date): Promise<number>;
  /** Optional: what the backend's requests cost so far (remote backends count requests, retries and bytes). */
  requestStats?(): RequestStats;
  /** Optional capability of object stores with write-once retention (S3 Object Lock). */
  readonly objectLock?: ObjectLockControl | undefined;
}

export type RetentionMode = 'governance' | 'compliance';

export interface Retention {
  mode: RetentionMode;
  until: Date;
}

export interface PurgeResult {
  /** Versions of removed objects deleted for good, and their bytes. */
  removed: number;
  removedBytes: number;
  /** Versions of removed objects that must stay until their retention ends (the latest such end). */
  retained: number;
  retainedBytes: number;
  retainedUntil?: Date;
}

/**
 * Write-once retention, where the store has it. Once `retainNewObjects` is called, every object written (but lease
 * locks, which must stay removable) carries retention until `until(server time)`, and reads return each object as it
 * was first written — on a versioned store a later write of the same name (by an attacker holding write
 * credentials) adds a version that is never read. `remove` then only hides an object; `purgeRemoved` deletes
 * the hidden versions whose retention has ended.
 */
export interface ObjectLockControl {
  /** Whether the bucket has Object Lock enabled. */
  enabled(): Promise<boolean>;
  retainNewObjects(mode: RetentionMode, until: (serverNow: Date) => Date): void;
  /** The store's clock (retention is computed from it, never from a local clock that may be skewed). */
  serverNow(): Promise<Date>;
  /** The retention of an object as first written, and when it was written; undefined when it has none. */
  retention(type: ObjectType, name: string): Promise<(Retention & { written?: Date }) | undefined>;
  /** Extends the retention of an object as first written (a store refuses to shorten compliance retention). */
  extend(type: ObjectType, name: string, retention: Retention): Promise<void>;
  /**
   * Objects of a type someone tampered with (known once `list` ran for the type): written again after their first
   * version, or hidden behind a delete marker where stepvault never removes anything (chain entries, tombstones,
   * the config). Neither changes what stepvault reads.
   */
  tampered(type: ObjectType): { name: string; how: string }[];
  purgeRemoved(): Promise<PurgeResult>;
}

/** What only a local disk can do: objects as files that worker threads read and write directly. */
export interface LocalFiles {
  /**
   * A directory on the same file system as the objects, where a writer may create a new file (exclusively, under a
   * name of its own) and write an object's bytes into it piece by piece, for `saveFile` to take without copying.
   */
  stagingDirectory(): string;
  /** The path of an object, so worker threads can read it with positional reads instead of receiving its bytes. */
  path(type: ObjectType, name: string): string;
}

export interface RequestStats {
  requests: number;
  /** Requests that failed and were made again. */
  retries: number;
  /** Of those, the ones the server asked to slow down (503 SlowDown, 429). */
  throttled: number;
  bytesSent: number;
  bytesReceived: number;
}

/**
 * Object types whose names are the SHA-256 of their bytes: a whole read of one can be checked by its name, and
 * backends may rely on it (the S3 backend sends the name as the upload's checksum).
 */
export const CONTENT_NAMED_TYPES: ReadonlySet<ObjectType> = new Set([
  'keys',
  'data',
  'index',
  'snapshots',
  'locks',
  'chain',
]);

/** Object names are lowercase hex (or "config"): anything else is refused before it reaches a backend. */
export function isValidObjectName(type: ObjectType, name: string): boolean {
  if (type === 'config') return name === CONFIG_NAME;
  return /^[0-9a-f]{16,128}$/.test(name);
}
