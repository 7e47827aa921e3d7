// Orders the tasks of this process that use the same repository: shared users (backup, copy, check, restore
// test) run together, an exclusive one (forget, prune) runs alone, first come first served. Without it the
// backup workflow's parallel branches (copy from the repository while retention forgets in it) would meet each
// other's repository locks and fail; the repository locks still guard against other processes.

interface Waiter {
  keys: string[];
  exclusive: boolean;
  grant: () => void;
}

export class RepositoryGate {
  readonly #shared = new Map<string, number>();
  readonly #exclusive = new Set<string>();
  #queue: Waiter[] = [];

  /**
   * Runs `fn` holding the repositories `keys` (shared or exclusive). Waits behind earlier requests that
   * conflict with it. An aborted signal stops the wait (the request leaves the queue).
   */
  async with<T>(
    keys: readonly string[],
    exclusive: boolean,
    fn: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    await this.#acquire(sorted, exclusive, signal);
    try {
      return await fn();
    } finally {
      this.#release(sorted, exclusive);
    }
  }

  #acquire(keys: string[], exclusive: boolean, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { keys, exclusive, grant: resolve };
      const onAbort = () => {
        this.#queue = this.#queue.filter((w) => w !== waiter);
        this.#pump();
        reject(signal?.reason);
      };
      waiter.grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /** Grants, in queue order, every waiter that conflicts neither with holders nor with an earlier waiter. */
  #pump(): void {
    const blocked = new Set<string>();
    const remaining: Waiter[] = [];
    for (const w of this.#queue) {
      const free = w.keys.every(
        (k) => !blocked.has(k) && !this.#exclusive.has(k) && (!w.exclusive || !this.#shared.has(k)),
      );
      if (free) {
        for (const k of w.keys) {
          if (w.exclusive) this.#exclusive.add(k);
          else this.#shared.set(k, (this.#shared.get(k) ?? 0) + 1);
        }
        w.grant();
      } else {
        remaining.push(w);
        for (const k of w.keys) blocked.add(k);
      }
    }
    this.#queue = remaining;
  }

  #release(keys: string[], exclusive: boolean): void {
    for (const k of keys) {
      if (exclusive) this.#exclusive.delete(k);
      else {
        const n = (this.#shared.get(k) ?? 1) - 1;
        if (n > 0) this.#shared.set(k, n);
        else this.#shared.delete(k);
      }
    }
    this.#pump();
  }
}
