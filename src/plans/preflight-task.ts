// `${PreflightTask}`: what a backup run checks before it starts, so that a wrong password,
// a missing repository or source path fails at once with a clear cause instead of midway: the repository opens,
// the source is known (and a files source's paths exist), and nobody holds an exclusive lock on the repository
// right now (a prune elsewhere: `Stepvault.Retryable`, which the workflow retries with backoff). Copy
// repositories that do not open are reported, not fatal: the backup still runs (the copy step then fails the
// run with its cause), since an unreachable copy target must not cost the backup itself. Read-only: it may run
// any number of times.

import * as fs from 'node:fs';
import { z } from 'zod';
import { asStepvaultError, StepvaultError } from '../common/errors.ts';
import { isStale, listLocks } from '../repository/lock/lock.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { TaskContext } from '../workflows/engine/task-registry.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { asTask } from './task-errors.ts';
import { parseTaskInput } from './task-input.ts';

export const PreflightInput = z
  .object({
    source: z.string().min(1),
    repository: z.string().min(1),
    copyTo: z.array(z.string().min(1)).default([]),
  })
  .strict();

export function preflightTask(env: PlanEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(PreflightInput, input, ctx);
      const spec = env.source(request.source);
      if (spec.type === 'files') {
        for (const p of spec.paths) {
          if (!fs.existsSync(p)) {
            throw new StepvaultError('not-found', `source ${request.source}: ${p} does not exist`, {
              hint: 'fix the path in the source, or mount what should be there',
            });
          }
        }
      }
      const repo = await env.openRepository(request.repository);
      const copyProblems: string[] = [];
      for (const name of request.copyTo) {
        try {
          await env.openRepository(name);
        } catch (e) {
          copyProblems.push(`${name}: ${asStepvaultError(e).message}`);
        }
      }
      ctx.signal.throwIfAborted();
      const now = env.clock.now();
      const blocking = (await listLocks(repo)).locks.find((l) => l.exclusive && !isStale(l, now));
      if (blocking) {
        throw new StepvaultError(
          'locked',
          `repository ${request.repository} is locked exclusively (${blocking.purpose} by PID ${blocking.pid} on ${blocking.host})`,
          {
            hint: 'the run retries; if that process is gone, `stepvault unlock` removes the stale lock',
            retryable: true,
          },
        );
      }
      return { source: request.source, sourceType: spec.type, copyProblems };
    });
}
