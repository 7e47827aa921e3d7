// `${PickSnapshotTask}`: chooses the snapshot a restore test restores — the one given, the
// newest of the rule's snapshots, or a random one of those taken within a window (`within: "30d"`, in the
// calendar units of retention). "Random" is drawn from the task's idempotency key: a re-invocation after a
// crash picks the same snapshot, a new run another one.

import { z } from 'zod';
import { parseCalendarDuration } from '../domain/duration.ts';
import { ruleFilterTag } from '../domain/plan-tags.ts';
import { pickSnapshot, seededRandom } from '../operations/verify/pick-snapshot.ts';
import { listSnapshots } from '../repository/snapshot/snapshot-store.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { TaskContext } from '../workflows/engine/task-registry.ts';
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

export function pickSnapshotTask(env: PlanEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(PickSnapshotInput, input, ctx);
      const within = request.within ? parseCalendarDuration(request.within) : undefined;
      const repo = await env.openRepository(request.repository);
      const { snapshots } = await listSnapshots(repo);
      const { snapshot, candidates } = pickSnapshot(
        snapshots,
        {
          snapshot: request.snapshotId ?? request.pick ?? 'latest',
          tags: [ruleFilterTag(request.plan, request.rule)],
          ...(within ? { within } : {}),
        },
        env.clock.now(),
        seededRandom(ctx.idempotencyKey),
      );
      return { snapshotId: snapshot.id, time: snapshot.time, sourceType: snapshot.source.type, candidates };
    });
}
