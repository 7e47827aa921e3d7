// Repository locks as leases. A lock is a sealed object in locks/; its holder rewrites it every `refreshEvery`
// (objects are write-once, so a refresh writes a new lock and removes the old). A lock is stale when it was not
// refreshed within `staleAfter`, or when it belongs to a process of this host that no longer runs (by ID, and by
// start time where the host tells it, as IDs are reused).
// Backups take shared locks (many may run together); prune, forget and key removal take exclusive ones.

import * as os from 'node:os';
import { type Clock, systemClock } from '../../common/clock.ts';
import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { Repository } from '../repository.ts';
import { processStart } from './process-start.ts';

export interface LockInfo {
  time: string;
  created: string;
  host: string;
  pid: number;
  username: string;
  exclusive: boolean;
  purpose: string;
  /** When the process started (processStart), so a lock of a process whose ID was reused is seen as stale. */
  processStart?: string;
}

export interface StoredLock extends LockInfo {
  id: string;
}

export interface LockOptions {
  exclusive: boolean;
  purpose: string;
  clock?: Clock;
  /** @default 5 minutes */
  refreshEvery?: number;
  /** @default 30 minutes */
  staleAfter?: number;
}

const MINUTE = 60_000;
/** Locks read at the same time (each is a round trip to a remote store). */
const LOCK_READS = 8;

export function isStale(lock: LockInfo, now: Date, staleAfter = 30 * MINUTE): boolean {
  if (now.getTime() - Date.parse(lock.time) > staleAfter) return true;
  if (lock.host === os.hostname()) {
    try {
      process.kill(lock.pid, 0);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
    // The ID runs, but is it still the process that took the lock?
    const started = lock.processStart === undefined ? undefined : processStart(lock.pid);
    if (started !== undefined && started !== lock.processStart) return true;
  }
  return false;
}

/** Every lock in the repository but `skip` (the caller's own), read a few at a time. */
export async function listLocks(
  repo: Repository,
  skip?: string,
): Promise<{ locks: StoredLock[]; unreadable: string[] }> {
  const names: string[] = [];
  for await (const info of repo.backend.list('locks')) if (info.name !== skip) names.push(info.name);
  const read = new Map<string, StoredLock | 'gone' | 'unreadable'>();
  await forEachConcurrently(names, LOCK_READS, async (name) => {
    try {
      const lock = JSON.parse((await repo.loadObject('locks', name)).toString('utf8')) as LockInfo;
      read.set(name, { ...lock, id: name });
    } catch (e) {
      // removed while listing, or not a lock we can read
      read.set(name, e instanceof StepvaultError && e.code === 'not-found' ? 'gone' : 'unreadable');
    }
  });
  const locks: StoredLock[] = [];
  const unreadable: string[] = [];
  for (const name of names) {
    const r = read.get(name)!;
    if (r === 'unreadable') unreadable.push(name);
    else if (r !== 'gone') locks.push(r);
  }
  return { locks, unreadable };
}

function describe(lock: StoredLock): string {
  return `${lock.exclusive ? 'an exclusive' : 'a'} lock for ${lock.purpose} by PID ${lock.pid} on ${lock.host} (${lock.username}), refreshed ${lock.time}`;
}

export class RepositoryLock {
  readonly #repo: Repository;
  readonly #info: LockInfo;
  readonly #clock: Clock;
  readonly #refreshEvery: number;
  readonly #staleAfter: number;
  readonly #stop = new AbortController();
  #id = '';
  #refreshed: Date;
  #refreshError: unknown;
  #loop: Promise<void> = Promise.resolve();

  private constructor(repo: Repository, options: LockOptions) {
    this.#repo = repo;
    this.#clock = options.clock ?? systemClock;
    this.#refreshEvery = options.refreshEvery ?? 5 * MINUTE;
    this.#staleAfter = options.staleAfter ?? 30 * MINUTE;
    this.#refreshed = this.#clock.now();
    this.#info = {
      time: this.#refreshed.toISOString(),
      created: this.#refreshed.toISOString(),
      host: os.hostname(),
      pid: process.pid,
      ...(processStart(process.pid) ? { processStart: processStart(process.pid)! } : {}),
      username: os.userInfo().username,
      exclusive: options.exclusive,
      purpose: options.purpose,
    };
  }

  /** Takes a lock, or throws `locked` naming the holder of the conflicting lock. */
  static async acquire(repo: Repository, options: LockOptions): Promise<RepositoryLock> {
    const lock = new RepositoryLock(repo, options);
    // Written first, then the others are looked at: of two processes locking at the same moment, at least one
    // sees the other's lock (a look before writing would only cost a round trip).
    lock.#id = await repo.saveObject('locks', Buffer.from(JSON.stringify(lock.#info)));
    try {
      await lock.#checkConflicts();
    } catch (e) {
      await repo.backend.remove('locks', lock.#id).catch(() => {});
      throw e;
    }
    lock.#loop = lock.#refreshLoop();
    return lock;
  }

  get id(): string {
    return this.#id;
  }

  async #checkConflicts(): Promise<void> {
    const now = this.#clock.now();
    for (const other of (await listLocks(this.#repo, this.#id)).locks) {
      if (isStale(other, now, this.#staleAfter)) continue;
      if (this.#info.exclusive || other.exclusive) {
        throw new StepvaultError('locked', `the repository is locked: ${describe(other)}`, {
          hint: 'wait for it to finish; if that process is gone, `stepvault unlock` removes stale locks',
          retryable: true,
        });
      }
    }
  }

  async #refreshLoop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await this.#clock.sleep(this.#refreshEvery, signal);
      } catch {
        return;
      }
      try {
        await this.refresh();
      } catch (e) {
        this.#refreshError ??= e;
      }
    }
  }

  /** Rewrites the lock with the current time. */
  async refresh(): Promise<void> {
    const now = this.#clock.now();
    const previous = this.#id;
    this.#id = await this.#repo.saveObject(
      'locks',
      Buffer.from(JSON.stringify({ ...this.#info, time: now.toISOString() })),
    );
    this.#refreshed = now;
    await this.#repo.backend.remove('locks', previous).catch(() => {});
  }

  /**
   * Throws unless the lock is still held: refreshed within `staleAfter` and still in storage. Call it before a
   * commit (writing a snapshot): if another process removed our lock as stale, a prune may have deleted data we
   * deduplicated against, so committing would be unsafe.
   */
  async assertHeld(): Promise<void> {
    const age = this.#clock.now().getTime() - this.#refreshed.getTime();
    let present = true;
    try {
      await this.#repo.backend.stat('locks', this.#id);
    } catch {
      present = false;
    }
    if (!present || age > this.#staleAfter) {
      throw new StepvaultError(
        'locked',
        'the repository lock was lost (removed by another process or not refreshed in time)',
        {
          hint: `nothing was committed; run the command again${this.#refreshError ? ` (last refresh failed: ${String(this.#refreshError)})` : ''}`,
        },
      );
    }
  }

  async release(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.#repo.backend.remove('locks', this.#id).catch(() => {});
  }
}

/** Removes stale locks (or all of them); returns the removed ones. */
export async function removeLocks(
  repo: Repository,
  options: { all: boolean; clock?: Clock },
): Promise<StoredLock[]> {
  const now = (options.clock ?? systemClock).now();
  const removed: StoredLock[] = [];
  const { locks, unreadable } = await listLocks(repo);
  for (const lock of locks) {
    if (options.all || isStale(lock, now)) {
      await repo.backend.remove('locks', lock.id).catch(() => {});
      removed.push(lock);
    }
  }
  if (options.all) for (const id of unreadable) await repo.backend.remove('locks', id).catch(() => {});
  return removed;
}
