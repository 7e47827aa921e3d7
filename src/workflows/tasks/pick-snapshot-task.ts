// `arn:aws:states:::stepvault:pick-snapshot`: chooses the snapshot a restore test restores — the one given, the
// newest of the rule's snapshots, or a random one of those taken within a window (`within: "30d"`, in the
// calendar units of retention). "Random" is drawn from the task's idempotency key: a re-invocation after a
// crash picks the same snapshot, a new run another one.

import { z } from 'zod';
import { StepvaultError } from '../../common/errors.ts';
import { parseCalendarDuration, subtractDuration } from '../../domain/duration.ts';
import { ruleFilterTag } from '../../domain/plan-tags.ts';
import { matchesFilter, newestFirst, type StoredSnapshot } from '../../domain/snapshot.ts';
import { listSnapshots, resolveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import type { Json } from '../asl/json.ts';
import type { TaskContext } from '../engine/task-registry.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { asTask } from './task-errors.ts';
import { parseTaskInput } from './task-input.ts';

export const PickSnapshotInput = z
  .object({
    plan: z.string().min(1),
    rule: z.string().min(1),
    repository: z.string().min(1),
    snapshotId: z.string().min(4).nullable().default(null),
    pick: z.enum(['latest', 'random']).nullable().default(null),
    within: z.string().min(1).nullable().default(null),
  })
  .strict();

/** Picks from `candidates` (any order): the newest, or the one `seed` selects among them. */
export function pickSnapshot(
  candidates: readonly StoredSnapshot[],
  pick: 'latest' | 'random',
  seed: string,
): StoredSnapshot | undefined {
  const sorted = [...candidates].sort(newestFirst);
  if (pick === 'latest' || sorted.length === 0) return sorted[0];
  return sorted[Number.parseInt(seed.slice(0, 12), 16) % sorted.length];
}

export function pickSnapshotTask(env: PlanEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(PickSnapshotInput, input, ctx);
      const window = request.within ? parseCalendarDuration(request.within) : undefined;
      const repo = await env.openRepository(request.repository);
      const { snapshots } = await listSnapshots(repo);
      let chosen: StoredSnapshot | undefined;
      if (request.snapshotId) chosen = resolveSnapshot(snapshots, request.snapshotId);
      else {
        const since = window ? subtractDuration(env.clock.now(), window).getTime() : undefined;
        const candidates = snapshots.filter(
          (s) =>
            matchesFilter(s, { tags: [ruleFilterTag(request.plan, request.rule)] }) &&
            (since === undefined || Date.parse(s.time) >= since),
        );
        chosen = pickSnapshot(candidates, request.pick ?? 'latest', ctx.idempotencyKey);
      }
      if (!chosen) {
        throw new StepvaultError(
          'not-found',
          `no snapshot of plan ${request.plan} rule ${request.rule} in ${request.repository}${request.within ? ` within ${request.within}` : ''}`,
          { hint: 'run a backup of the plan first, or widen the restore test window' },
        );
      }
      return { snapshotId: chosen.id, time: chosen.time, sourceType: chosen.source.type };
    });
}
