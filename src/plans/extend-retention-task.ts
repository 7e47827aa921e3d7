// `${ExtendRetentionTask}`: keeps an immutable repository's objects locked (`lock extend`);
// for a repository without a lock policy it does nothing and says so, so the maintenance workflow can run it for
// every repository of a plan.

import { z } from 'zod';
import { extendRetention } from '../operations/object-lock/extend-retention.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { TaskContext } from '../workflows/engine/task-registry.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { asTask } from './task-errors.ts';
import { parseTaskInput } from './task-input.ts';

const ExtendRetentionInput = z.object({ repository: z.string().min(1) }).strict();

export function extendRetentionTask(env: PlanEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(ExtendRetentionInput, input, ctx);
      const repo = await env.openRepository(request.repository);
      if (!repo.config.objectLock) return { repository: request.repository, locked: false };
      const result = await env.gate.with(
        [request.repository],
        false,
        () => extendRetention({}, { repo, signal: ctx.signal }),
        ctx.signal,
      );
      return {
        repository: request.repository,
        locked: true,
        checked: result.checked,
        extended: result.extended,
        unprotected: result.unprotected.length,
        failed: result.failed.length,
        until: result.until,
      };
    });
}
