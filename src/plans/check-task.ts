// `${CheckTask}`: verifies a repository — its structure, every snapshot's trees, and (with
// `readData`) all packs or a sample of them (`subset`: "5%" or "n/t", as `check --read-data-subset`). Damage
// fails the task with `Stepvault.CheckFailed` naming the first damaged objects. Read-only: safe to re-run.

import { z } from 'zod';
import { checkRepository } from '../operations/check/check.ts';
import { type DataSubset, parseSubset } from '../operations/check/check-data.ts';
import type { Json } from '../workflows/asl/json.ts';
import { type TaskContext, TaskFailure } from '../workflows/engine/task-registry.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { asTask } from './task-errors.ts';
import { heartbeater, parseTaskInput } from './task-input.ts';

export const CheckInput = z
  .object({
    repository: z.string().min(1),
    readData: z.boolean().default(true),
    subset: z.string().min(1).nullable().default(null),
  })
  .strict();

export function checkTask(env: PlanEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(CheckInput, input, ctx);
      const subset: DataSubset | undefined = request.subset ? parseSubset(request.subset) : undefined;
      const repo = await env.openRepository(request.repository);
      const onProgress = heartbeater(ctx, env.clock);
      const result = await env.gate.with(
        [request.repository],
        false,
        () =>
          checkRepository(
            { readData: request.readData, ...(subset ? { subset } : {}) },
            { repo, signal: ctx.signal, onProgress },
          ),
        ctx.signal,
      );
      if (result.errors.length > 0) {
        const shown = result.errors.slice(0, 5).map((e) => `${e.object}: ${e.message}`);
        const more = result.errors.length > 5 ? `; and ${result.errors.length - 5} more` : '';
        throw new TaskFailure(
          'Stepvault.CheckFailed',
          `repository ${request.repository} is damaged: ${shown.join('; ')}${more} (hint: run \`stepvault check --read-data\` on it)`,
        );
      }
      return {
        repository: request.repository,
        snapshots: result.snapshots,
        packs: result.packs,
        packsRead: result.packsRead,
        bytesRead: result.bytesRead,
        notes: result.notes.length,
      };
    });
}
