// A decorator for remote backends: every request runs under an adaptive limit of requests in flight (halved when
// the server asks to slow down, grown back by one after a limit's worth of successes), and a request that fails
// with a retryable error is made again after an exponential backoff with full jitter. Whole reads of objects whose
// names are content hashes are checked against the name, and every read against the length asked for: a body cut
// short or damaged on the way is read again, not handed on. Requests, retries and bytes are counted for summaries.
// A write whose answer was lost may have been stored all the same: when its retry meets `already-exists`, the stored
// object is read back and the write succeeds if it holds exactly the bytes sent (and fails as before otherwise).

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { type Clock, systemClock } from '../common/clock.ts';
import { isStepvaultError, StepvaultError } from '../common/errors.ts';
import {
  type Backend,
  type ByteRange,
  CONTENT_NAMED_TYPES,
  type LocalFiles,
  type ObjectInfo,
  type ObjectLockControl,
  type ObjectType,
  type RequestStats,
} from './contract.ts';

export interface RetryOptions {
  /**
   * Attempts per request, the first included. At a 40% failure rate per attempt (the fault mix the S3 tests run),
   * one request in 2.3 million fails all 16 (with 10 it was one in 10,000: a restore and a check of ~1,000 objects
   * would fail one run in nine); a store that stays down is given up after ~80 s of backoff on average, 165 s at
   * most.
   * @default 16
   */
  attempts?: number;
  /** @default 100 */
  baseDelayMs?: number;
  /** @default 20000 */
  maxDelayMs?: number;
  /** Most requests in flight. @default 32 */
  concurrency?: number;
  clock?: Clock;
  random?: () => number;
  /** Told of every retry (for logs and tests). */
  onRetry?: (what: string, attempt: number, error: StepvaultError) => void;
}

/**
 * Reads of a content-named object that may fail to match its name before it is reported damaged. A body damaged on
 * the way is rare and not repeated; a damaged stored object is not worth every attempt (each a whole download).
 */
const DAMAGED_READS = 3;

/** Stored objects are compared with what was written in pieces of this size (both are held at once). */
const COMPARE_PIECE = 8 * 1024 * 1024;

/** Throttling answers carry this in their message (s3-errors names them): they also halve the limit. */
function isThrottled(e: StepvaultError): boolean {
  return /SlowDown|Throttl|TooManyRequests|RequestLimitExceeded|HTTP (503|429)/.test(e.message);
}

export class RetryingBackend implements Backend {
  readonly #inner: Backend;
  readonly #attempts: number;
  readonly #baseDelay: number;
  readonly #maxDelay: number;
  readonly #maxConcurrency: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #onRetry: RetryOptions['onRetry'];
  #limit: number;
  #lock: ObjectLockControl | undefined;
  #inFlight = 0;
  #successes = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #stats = { operations: 0, retries: 0, throttled: 0, bytesSent: 0, bytesReceived: 0 };

  constructor(inner: Backend, options: RetryOptions = {}) {
    this.#inner = inner;
    this.#attempts = options.attempts ?? 16;
    this.#baseDelay = options.baseDelayMs ?? 100;
    this.#maxDelay = options.maxDelayMs ?? 20_000;
    this.#maxConcurrency = options.concurrency ?? 32;
    this.#limit = this.#maxConcurrency;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#onRetry = options.onRetry;
  }

  get location(): string {
    return this.#inner.location;
  }

  get localFiles(): LocalFiles | undefined {
    return this.#inner.localFiles;
  }

  /** How many requests may be in flight now (lowered by throttling answers). */
  get concurrencyLimit(): number {
    return this.#limit;
  }

  /** The inner backend's Object Lock, each request made under this decorator's limit and retries. */
  get objectLock(): ObjectLockControl | undefined {
    const inner = this.#inner.objectLock;
    if (!inner) return undefined;
    this.#lock ??= {
      enabled: () => this.#retry('object lock configuration', () => inner.enabled()),
      retainNewObjects: (mode, until) => inner.retainNewObjects(mode, until),
      serverNow: () => this.#retry('server time', () => inner.serverNow()),
      retention: (type, name) =>
        this.#retry(`retention of ${type}/${name}`, () => inner.retention(type, name)),
      extend: (type, name, r) => this.#retry(`extend ${type}/${name}`, () => inner.extend(type, name, r)),
      tampered: (type) => inner.tampered(type),
      purgeRemoved: () => this.#retry('purge removed versions', () => inner.purgeRemoved()),
    };
    return this.#lock;
  }

  /** The backend this one decorates (for capabilities only it has). */
  get inner(): Backend {
    return this.#inner;
  }

  /** The inner backend's count of requests (operations, where it keeps none), with this decorator's retries. */
  requestStats(): RequestStats {
    const { operations, ...counted } = this.#stats;
    const inner = this.#inner.requestStats?.();
    return {
      ...counted,
      requests: inner?.requests ?? operations,
      bytesSent: inner?.bytesSent ?? counted.bytesSent,
      bytesReceived: inner?.bytesReceived ?? counted.bytesReceived,
    };
  }

  async #slot(): Promise<void> {
    while (this.#inFlight >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#inFlight++;
  }

  #release(): void {
    this.#inFlight--;
    this.#waiting.shift()?.();
  }

  /** Runs one request at a time under the limit, retrying what may succeed later. */
  async #retry<T>(what: string, request: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.#slot();
      let error: StepvaultError;
      try {
        this.#stats.operations++;
        const result = await request(attempt);
        if (++this.#successes >= this.#limit && this.#limit < this.#maxConcurrency) {
          this.#limit++;
          this.#successes = 0;
          this.#waiting.shift()?.();
        }
        return result;
      } catch (e) {
        if (!(e instanceof StepvaultError) || !e.retryable || attempt >= this.#attempts) throw e;
        error = e;
      } finally {
        this.#release();
      }
      this.#stats.retries++;
      if (isThrottled(error)) {
        this.#stats.throttled++;
        this.#limit = Math.max(1, Math.floor(this.#limit / 2));
        this.#successes = 0;
      }
      this.#onRetry?.(what, attempt, error);
      const ceiling = Math.min(this.#maxDelay, this.#baseDelay * 2 ** (attempt - 1));
      await this.#clock.sleep(this.#random() * ceiling);
    }
  }

  create(): Promise<void> {
    return this.#retry('create', () => this.#inner.create());
  }

  async save(type: ObjectType, name: string, data: Uint8Array): Promise<void> {
    let retried = false;
    try {
      await this.#retry(`save ${type}/${name}`, async (attempt) => {
        retried = attempt > 1;
        await this.#inner.save(type, name, data);
        this.#stats.bytesSent += data.length;
      });
    } catch (e) {
      if (!(retried && isStepvaultError(e, 'already-exists'))) throw e;
      const piece = async (offset: number, length: number) =>
        Buffer.from(data.buffer, data.byteOffset + offset, length);
      if (!(await this.#holds(type, name, data.length, piece))) throw e;
    }
  }

  async saveFile(type: ObjectType, name: string, file: string): Promise<void> {
    let retried = false;
    try {
      await this.#retry(`save ${type}/${name}`, (attempt) => {
        retried = attempt > 1;
        return this.#inner.saveFile(type, name, file);
      });
    } catch (e) {
      if (!(retried && isStepvaultError(e, 'already-exists'))) throw e;
      const handle = await fs.promises.open(file, 'r');
      try {
        const piece = async (offset: number, length: number) => {
          const bytes = Buffer.alloc(length);
          const { bytesRead } = await handle.read(bytes, 0, length, offset);
          return bytes.subarray(0, bytesRead);
        };
        if (!(await this.#holds(type, name, (await handle.stat()).size, piece))) throw e;
      } finally {
        await handle.close();
      }
    }
  }

  /**
   * Whether the stored object `type/name` holds exactly `size` bytes equal to what `ours` reads: after a retried
   * write met an existing object, this tells the write that got through (success) from another object (the
   * error). Read back in pieces, so a pack costs no more memory than two pieces.
   */
  async #holds(
    type: ObjectType,
    name: string,
    size: number,
    ours: (offset: number, length: number) => Promise<Buffer>,
  ): Promise<boolean> {
    let stored: ObjectInfo;
    try {
      stored = await this.stat(type, name);
    } catch (e) {
      if (isStepvaultError(e, 'not-found')) return false;
      throw e;
    }
    if (stored.size !== size) return false;
    for (let offset = 0; offset < size; offset += COMPARE_PIECE) {
      const length = Math.min(COMPARE_PIECE, size - offset);
      const theirs = await this.load(type, name, { offset, length });
      if (!theirs.equals(await ours(offset, length))) return false;
    }
    return true;
  }

  load(type: ObjectType, name: string, range?: ByteRange, into?: Buffer): Promise<Buffer> {
    let damaged = 0;
    return this.#retry(`load ${type}/${name}`, async () => {
      // a retry reads into `into` again: what a failed attempt left there is overwritten
      const bytes = await this.#inner.load(type, name, range, into);
      this.#stats.bytesReceived += bytes.length;
      if (range && bytes.length !== range.length) {
        throw new StepvaultError(
          'io',
          `load ${type}/${name}: ${bytes.length} bytes arrived of ${range.length}`,
          {
            retryable: true,
          },
        );
      }
      if (
        !range &&
        CONTENT_NAMED_TYPES.has(type) &&
        createHash('sha256').update(bytes).digest('hex') !== name
      ) {
        damaged++;
        throw new StepvaultError(
          'corrupt',
          `${type}/${name} is corrupt: its content does not match its name`,
          {
            hint: `it did not match in ${damaged} reads: the stored object is damaged or was replaced`,
            retryable: damaged < DAMAGED_READS,
          },
        );
      }
      return bytes;
    });
  }

  stat(type: ObjectType, name: string): Promise<ObjectInfo> {
    return this.#retry(`stat ${type}/${name}`, () => this.#inner.stat(type, name));
  }

  /** A listing that breaks off is started again; what was already yielded is not yielded twice. */
  async *list(type: ObjectType): AsyncIterable<ObjectInfo> {
    const yielded = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      const iterator = this.#inner.list(type)[Symbol.asyncIterator]();
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          if (yielded.has(next.value.name)) continue;
          yielded.add(next.value.name);
          yield next.value;
        }
      } catch (e) {
        if (!(e instanceof StepvaultError) || !e.retryable || attempt >= this.#attempts) throw e;
        this.#stats.retries++;
        if (isThrottled(e)) this.#stats.throttled++;
        this.#onRetry?.(`list ${type}`, attempt, e);
        await this.#clock.sleep(
          this.#random() * Math.min(this.#maxDelay, this.#baseDelay * 2 ** (attempt - 1)),
        );
      }
    }
  }

  remove(type: ObjectType, name: string): Promise<void> {
    return this.#retry(`remove ${type}/${name}`, () => this.#inner.remove(type, name));
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
