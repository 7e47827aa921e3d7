// `${CopyTask}`: copies the run's snapshot from the plan's repository into one `copyTo`
// repository. Idempotent by construction: the copy operation recognises a snapshot the destination already
// holds (by the ID it was first written under) and skips it, and adopts packs an interrupted copy left.

import { z } from 'zod';
import { copySnapshots } from '../operations/copy/copy-snapshots.ts';
import type { Json } from '../workflows/asl/json.ts';
import { type TaskContext, TaskFailure } from '../workflows/engine/task-registry.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { asTask } from './task-errors.ts';
import { heartbeater, parseTaskInput } from './task-input.ts';

export const CopyInput = z
  .object({
    from: z.string().min(1),
    to: z.string().min(1),
    snapshotId: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export function copyTask(env: PlanEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(CopyInput, input, ctx);
      const source = await env.openRepository(request.from);
      const destination = await env.openRepository(request.to);
      const onProgress = heartbeater(ctx, env.clock);
      const result = await env.gate.with(
        [request.from, request.to],
        false,
        () =>
          copySnapshots(
            { snapshots: [request.snapshotId] },
            { source, destination, clock: env.clock, signal: ctx.signal, onProgress },
          ),
        ctx.signal,
      );
      if (result.failed.length > 0) {
        throw new TaskFailure(
          'Stepvault.CopyFailed',
          `copying snapshot ${request.snapshotId.slice(0, 8)} to ${request.to} failed: ${result.failed[0]!.error}`,
        );
      }
      const copy = result.copied[0]?.copy ?? result.skipped[0]?.copy ?? null;
      return {
        to: request.to,
        copyId: copy,
        copied: result.copied.length,
        skipped: result.skipped.length,
        dataAdded: result.dataAdded,
      };
    });
}
