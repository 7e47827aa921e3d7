// `${AnomalyGuardTask}`: after a backup, compares the pages it saw deleted and changed
// (as the backup reported them, or as confluence-changes.ts finds them against the parent snapshot) with the
// plan's thresholds (domain/anomaly.ts). Over a threshold, the new snapshot is tagged `anomaly` and the last
// good snapshot before it `protected` (retention keeps it however old it gets), and the workflow sends
// `anomaly.detected`. Re-invoked after a crash, it finishes what it started: tag rewrites are found by the
// snapshot's identity, and a half-done rewrite is settled.

import { z } from 'zod';
import { StepvaultError } from '../common/errors.ts';
import {
  type AnomalyThresholds,
  type ContentChanges,
  describeFinding,
  detectAnomalies,
  parseThreshold,
} from '../domain/anomaly.ts';
import { ANOMALY_TAG, identityOf, PROTECTED_TAG, previousGood } from '../domain/plan-tags.ts';
import { type StoredSnapshot, sameSet } from '../domain/snapshot.ts';
import { settleRewrites, tagSnapshots } from '../operations/tag-snapshots.ts';
import type { Repository } from '../repository/repository.ts';
import { listSnapshots } from '../repository/snapshot/snapshot-store.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { TaskContext } from '../workflows/engine/task-registry.ts';
import { confluenceChanges } from './confluence-changes.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { asTask } from './task-errors.ts';
import { parseTaskInput } from './task-input.ts';

const threshold = z.union([z.number().int().nonnegative(), z.string().min(1)]);

export const AnomalyGuardInput = z
  .object({
    plan: z.string().min(1),
    repository: z.string().min(1),
    /** Repositories holding copies: the last good snapshot's copy there is protected too. */
    copyTo: z.array(z.string().min(1)).default([]),
    snapshotId: z.string().regex(/^[0-9a-f]{64}$/),
    changes: z
      .object({
        pagesBefore: z.number().int().nonnegative(),
        pagesDeleted: z.number().int().nonnegative(),
        pagesChanged: z.number().int().nonnegative(),
      })
      .strict()
      .nullable()
      .default(null),
    thresholds: z
      .object({ maxDeletedPages: threshold.optional(), maxChangedPages: threshold.optional() })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();

export interface AnomalyGuardOutput {
  anomaly: boolean;
  /** The snapshot's ID after the guard: a new one when it was tagged `anomaly`. */
  snapshotId: string;
  protectedSnapshotId: string | null;
  /** Copy repositories in which the last good snapshot's copy was protected too. */
  protectedCopies: string[];
  findings: string[];
  message: string;
}

export function anomalyGuardTask(env: PlanEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(AnomalyGuardInput, input, ctx);
      const thresholds: AnomalyThresholds = {};
      if (request.thresholds?.maxDeletedPages !== undefined)
        thresholds.maxDeletedPages = parseThreshold(request.thresholds.maxDeletedPages);
      if (request.thresholds?.maxChangedPages !== undefined)
        thresholds.maxChangedPages = parseThreshold(request.thresholds.maxChangedPages);
      const wanted = thresholds.maxDeletedPages !== undefined || thresholds.maxChangedPages !== undefined;
      const changes: ContentChanges | null =
        request.changes ?? (wanted ? await changesOf(env, request.repository, request.snapshotId) : null);
      const findings = changes ? detectAnomalies(changes, thresholds) : [];
      const normal: AnomalyGuardOutput = {
        anomaly: false,
        snapshotId: request.snapshotId,
        protectedSnapshotId: null,
        protectedCopies: [],
        findings: [],
        message: 'no anomaly',
      };
      if (findings.length === 0) return normal as unknown as Json;
      const repo = await env.openRepository(request.repository);
      const output = await env.gate.with(
        [request.repository, ...request.copyTo],
        false,
        async () => {
          const current = await markSnapshot(env, repo, request.snapshotId, ANOMALY_TAG);
          const all = (await listSnapshots(repo)).snapshots;
          const sameSource = all.filter((s) => s.host === current.host && sameSet(s.paths, current.paths));
          const good = previousGood(sameSource, current, request.plan);
          const kept = good ? await markSnapshot(env, repo, identityOf(good), PROTECTED_TAG) : undefined;
          const protectedCopies: string[] = [];
          for (const name of good ? request.copyTo : []) {
            const copies = await env.openRepository(name);
            const copy = await markSnapshot(env, copies, identityOf(good!), PROTECTED_TAG, {
              optional: true,
            });
            if (copy) protectedCopies.push(name);
          }
          const texts = findings.map(describeFinding);
          return {
            anomaly: true,
            snapshotId: current.id,
            protectedSnapshotId: kept?.id ?? null,
            protectedCopies,
            findings: texts,
            message: `${texts.join('; ')}: snapshot ${current.id.slice(0, 8)} tagged ${ANOMALY_TAG}${kept ? `, ${kept.id.slice(0, 8)} protected from retention${protectedCopies.length > 0 ? ` (and its copies in ${protectedCopies.join(', ')})` : ''}` : ''}`,
          } satisfies AnomalyGuardOutput;
        },
        ctx.signal,
      );
      return output as unknown as Json;
    });
}

/**
 * What a Confluence snapshot changed against its parent, when its backup did not report it; null for other
 * sources and for a first backup (nothing to compare with).
 */
async function changesOf(
  env: PlanEnvironment,
  repository: string,
  snapshotId: string,
): Promise<ContentChanges | null> {
  const repo = await env.openRepository(repository);
  const all = (await listSnapshots(repo)).snapshots;
  const current = all.find((s) => s.id === snapshotId) ?? all.find((s) => identityOf(s) === snapshotId);
  if (current?.source.type !== 'confluence' || !current.parent) return null;
  const parentId = current.parent;
  const parent = all.find((s) => s.id === parentId) ?? all.find((s) => identityOf(s) === parentId);
  return parent ? confluenceChanges(repo, current, parent) : null;
}

/**
 * Makes the snapshot first written as `identity` carry `tag`, whatever an earlier invocation left (the
 * snapshot, its rewrite, or both), and returns it. With `optional`, a snapshot that is not there is skipped.
 */
async function markSnapshot(
  env: PlanEnvironment,
  repo: Repository,
  identity: string,
  tag: string,
): Promise<StoredSnapshot>;
async function markSnapshot(
  env: PlanEnvironment,
  repo: Repository,
  identity: string,
  tag: string,
  options: { optional: true },
): Promise<StoredSnapshot | undefined>;
async function markSnapshot(
  env: PlanEnvironment,
  repo: Repository,
  identity: string,
  tag: string,
  options: { optional?: boolean } = {},
): Promise<StoredSnapshot | undefined> {
  const deps = { repo, clock: env.clock };
  const versions = () =>
    listSnapshots(repo).then(({ snapshots }) => snapshots.filter((s) => identityOf(s) === identity));
  let found = await versions();
  if (found.length > 1) {
    await settleRewrites(deps, found, (a, b) => (a.tags.includes(tag) || !b.tags.includes(tag) ? a : b));
    found = await versions();
  }
  const current = found[0];
  if (!current && options.optional) return undefined;
  if (!current) {
    throw new StepvaultError(
      'not-found',
      `snapshot ${identity.slice(0, 8)} is gone from repository ${repo.backend.location}`,
      { hint: 'it was removed while the workflow ran; run the plan again' },
    );
  }
  if (current.tags.includes(tag)) return current;
  const { changed } = await tagSnapshots({ snapshots: [current.id], add: [tag] }, deps);
  const to = changed[0]?.to ?? current.id;
  return (await versions()).find((s) => s.id === to) ?? current;
}
