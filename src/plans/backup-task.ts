// `${BackupTask}`: backs up a plan's source into its repository. At least once, but one
// snapshot per run: the snapshot carries `run:<idempotency key>`, and a re-invocation (after a crash, with the
// same key) that finds a snapshot with that tag returns it instead of backing up again.

import { z } from 'zod';
import { planTag, ruleTag, runTag } from '../domain/plan-tags.ts';
import type { StoredSnapshot } from '../domain/snapshot.ts';
import { backupFiles } from '../operations/backup/backup-files.ts';
import type { Repository } from '../repository/repository.ts';
import { listSnapshots } from '../repository/snapshot/snapshot-store.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { TaskContext } from '../workflows/engine/task-registry.ts';
import { backupOutcome, type PlanEnvironment, type SourceBackupOutcome } from './plan-environment.ts';
import { asTask } from './task-errors.ts';
import { heartbeater, parseTaskInput } from './task-input.ts';

export const BackupInput = z
  .object({
    plan: z.string().min(1),
    rule: z.string().min(1),
    source: z.string().min(1),
    repository: z.string().min(1),
    tags: z.array(z.string().min(1)).default([]),
  })
  .strict();

export interface BackupTaskOutput extends SourceBackupOutcome {
  sourceType: string;
  partial: boolean;
  /** True when an earlier invocation of this run had already made the snapshot. */
  reused: boolean;
}

export function backupTask(env: PlanEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(BackupInput, input, ctx);
      const spec = env.source(request.source);
      const repo = await env.openRepository(request.repository);
      const level = env.compressionLevel?.(request.repository);
      const compression = level === undefined ? {} : { compressionLevel: level };
      const output = await oncePerRun(env, ctx, request, repo, spec.type, async (tags) => {
        const onProgress = heartbeater(ctx, env.clock);
        if (spec.type === 'files') {
          const result = await backupFiles(
            {
              paths: spec.paths,
              excludes: spec.excludes,
              tags,
              ...((spec.host ?? env.host) ? { host: spec.host ?? env.host } : {}),
              ...(spec.oneFileSystem ? { oneFileSystem: true } : {}),
              ...compression,
            },
            { repo, clock: env.clock, signal: ctx.signal, onProgress },
          );
          return backupOutcome(result);
        }
        return spec.backup(
          { tags, ...(env.host ? { host: env.host } : {}), ...compression },
          { repo, clock: env.clock, signal: ctx.signal, onProgress },
        );
      });
      return output as unknown as Json;
    });
}

/**
 * Makes a run's one snapshot with `backup`, given the tags it must carry (the plan's, the rule's, the request's and
 * `run:<key>`), unless an earlier invocation of the same run made it: then that snapshot is reported, `reused`.
 * The repository is used shared through the gate.
 */
export function oncePerRun(
  env: PlanEnvironment,
  ctx: TaskContext,
  request: { plan: string; rule: string; repository: string; tags: string[] },
  repo: Repository,
  sourceType: string,
  backup: (tags: string[]) => Promise<SourceBackupOutcome>,
): Promise<BackupTaskOutput> {
  const marker = runTag(ctx.idempotencyKey);
  const tags = [...new Set([planTag(request.plan), ruleTag(request.rule), ...request.tags, marker])];
  return env.gate.with(
    [request.repository],
    false,
    async () => {
      const earlier = (await listSnapshots(repo)).snapshots.find((s) => s.tags.includes(marker));
      if (earlier) return { ...outcomeOf(earlier), sourceType, reused: true };
      const outcome = await backup(tags);
      return { ...outcome, sourceType, partial: outcome.missing > 0, reused: false };
    },
    ctx.signal,
  );
}

/** What the backup task reports, read back from a snapshot an earlier invocation made. */
export function outcomeOf(s: StoredSnapshot): SourceBackupOutcome & { partial: boolean } {
  const summary = s.summary as (StoredSnapshot['summary'] & Record<string, unknown>) | undefined;
  const count = (key: string) => (typeof summary?.[key] === 'number' ? (summary[key] as number) : undefined);
  const pagesBefore = count('pagesBefore');
  const pagesDeleted = count('pagesDeleted');
  const pagesChanged = count('pagesChanged');
  const missing = s.partial?.missing.length ?? 0;
  return {
    snapshotId: s.id,
    parent: s.parent ?? null,
    missing,
    partial: missing > 0,
    dataAdded: summary?.dataAdded ?? 0,
    dataAddedPacked: summary?.dataAddedPacked ?? 0,
    itemsProcessed: summary?.totalFilesProcessed ?? 0,
    changes:
      pagesBefore !== undefined && pagesDeleted !== undefined && pagesChanged !== undefined
        ? { pagesBefore, pagesDeleted, pagesChanged }
        : null,
  };
}
