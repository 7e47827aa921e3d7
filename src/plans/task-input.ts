// Checking a plan task's input on entry (a zod schema per task: a hand-written or overridden workflow that
// passes the wrong shape gets `Stepvault.Usage` naming the field, not a crash deep inside an operation), and
// the heartbeat a long task sends while its operation reports progress.

import type { z } from 'zod';
import type { Clock } from '../common/clock.ts';
import { StepvaultError } from '../common/errors.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { TaskContext } from '../workflows/engine/task-registry.ts';

export function parseTaskInput<S extends z.ZodType>(schema: S, input: Json, ctx: TaskContext): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(input)'}: ${i.message}`)
    .join('; ');
  throw new StepvaultError(
    'usage',
    `state '${ctx.stateName}' got invalid input for ${ctx.resource}: ${problems}`,
    {
      hint: 'check the Parameters of this Task state against the task input documented in README ("Plans")',
    },
  );
}

/** A progress callback that heartbeats at most every `everyMs` of the clock's time. */
export function heartbeater(ctx: TaskContext, clock: Clock, everyMs = 5000): () => void {
  let last = clock.now().getTime();
  return () => {
    const now = clock.now().getTime();
    if (now - last < everyMs) return;
    last = now;
    ctx.heartbeat();
  };
}
