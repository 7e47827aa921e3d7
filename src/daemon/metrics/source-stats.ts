// How much room each source's snapshots take and how well they deduplicate: the `stats` computation over the
// snapshots its plans made (tagged `plan:<name>`) in their repositories. Reading every tree is not free, so it
// runs in the background after each successful backup of the source (and once at start), one at a time, and
// the metrics read the last result.

import { planTag } from '../../domain/plan-tags.ts';
import { computeStats } from '../../operations/browse/stats.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import { loadIndexForReading } from '../../repository/index/adopt-packs.ts';
import { listSnapshots } from '../../repository/snapshot/snapshot-store.ts';
import type { DaemonEnvironment } from '../daemon-environment.ts';

export interface SourceStatsValue {
  snapshots: number;
  /** What restoring every snapshot would write. */
  restoreBytes: number;
  /** Plaintext bytes of the distinct content they use. */
  uniqueBytes: number;
  /** What that content takes stored (compressed and encrypted). */
  storedBytes: number;
  /** restoreBytes / uniqueBytes (0 without content). */
  dedupRatio: number;
}

export class SourceStats {
  readonly #env: DaemonEnvironment;
  readonly #onError: (source: string, error: unknown) => void;
  readonly #values = new Map<string, SourceStatsValue>();
  readonly #queued = new Set<string>();
  #chain: Promise<void> = Promise.resolve();

  constructor(env: DaemonEnvironment, onError: (source: string, error: unknown) => void) {
    this.#env = env;
    this.#onError = onError;
  }

  get(source: string): SourceStatsValue | undefined {
    return this.#values.get(source);
  }

  /** Recomputes a source's statistics soon (a request already queued covers this one). */
  refresh(source: string): void {
    if (this.#queued.has(source)) return;
    this.#queued.add(source);
    this.#chain = this.#chain.then(async () => {
      this.#queued.delete(source);
      try {
        const value = await this.#compute(source);
        if (value) this.#values.set(source, value);
      } catch (e) {
        this.#onError(source, e);
      }
    });
  }

  refreshAll(): void {
    for (const source of Object.keys(this.#env.loaded.config.sources)) this.refresh(source);
  }

  /** Resolves when no computation is queued or running. */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.#chain) {
      seen = this.#chain;
      await seen;
    }
  }

  async #compute(source: string): Promise<SourceStatsValue | undefined> {
    const config = this.#env.loaded.config;
    const plans = Object.entries(config.plans).filter(([, p]) => p.source === source);
    if (plans.length === 0) return undefined;
    const total = { snapshots: 0, restoreBytes: 0, uniqueBytes: 0, storedBytes: 0 };
    for (const repository of new Set(plans.map(([, p]) => p.repository))) {
      const tags = plans.filter(([, p]) => p.repository === repository).map(([name]) => planTag(name));
      await this.#env.gate.with([repository], false, async () => {
        const repo = await this.#env.openRepository(repository);
        const snapshots = (await listSnapshots(repo)).snapshots.filter((s) =>
          s.tags.some((t) => tags.includes(t)),
        );
        if (snapshots.length === 0) return;
        const { index } = await loadIndexForReading(repo);
        const stats = await computeStats(new BlobReader(repo, index), snapshots);
        total.snapshots += stats.snapshots;
        total.restoreBytes += stats.restoreSize;
        total.uniqueBytes += stats.uniqueSize;
        total.storedBytes += stats.storedSize;
      });
    }
    return { ...total, dedupRatio: total.uniqueBytes > 0 ? total.restoreBytes / total.uniqueBytes : 0 };
  }
}
