// `${ForgetTask}` applies a rule's retention to that rule's snapshots in one repository
// (tags `plan:<plan>,rule:<rule>`, grouped by host and paths, in the rule's time zone); `protected` snapshots
// are always kept. `${PruneTask}` then frees the data nothing uses. Both converge: running
// one again after a crash finds less or nothing to do.

import { z } from 'zod';
import { parseCalendarDuration } from '../domain/duration.ts';
import { PROTECTED_TAG, ruleFilterTag } from '../domain/plan-tags.ts';
import type { RetentionPolicy } from '../domain/retention.ts';
import { forget } from '../operations/forget.ts';
import { prune } from '../operations/prune/prune.ts';
import { parseUnusedLimit } from '../operations/prune/prune-plan.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { TaskContext } from '../workflows/engine/task-registry.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { asTask } from './task-errors.ts';
import { parseTaskInput } from './task-input.ts';

const count = z.number().int().min(-1);

/** A rule's retention, in the configuration's words. At least one keep rule: an empty policy would keep nothing. */
export const RetentionSettings = z
  .object({
    keepLast: count.optional(),
    keepHourly: count.optional(),
    keepDaily: count.optional(),
    keepWeekly: count.optional(),
    keepMonthly: count.optional(),
    keepYearly: count.optional(),
    keepWithin: z.string().min(1).optional(),
  })
  .strict()
  .refine((r) => Object.values(r).some((v) => v !== undefined), {
    message: 'a retention needs at least one keep rule (keepLast, keepDaily, keepWithin, …)',
  });

export type RetentionSettings = z.infer<typeof RetentionSettings>;

export const ForgetInput = z
  .object({
    plan: z.string().min(1),
    rule: z.string().min(1),
    repository: z.string().min(1),
    retention: RetentionSettings,
    timezone: z.string().min(1).nullable().default(null),
  })
  .strict();

export const PruneInput = z
  .object({
    repository: z.string().min(1),
    maxUnused: z.string().min(1).nullable().default(null),
  })
  .strict();

export function retentionPolicy(r: RetentionSettings): RetentionPolicy {
  return {
    ...(r.keepLast !== undefined ? { last: r.keepLast } : {}),
    ...(r.keepHourly !== undefined ? { hourly: r.keepHourly } : {}),
    ...(r.keepDaily !== undefined ? { daily: r.keepDaily } : {}),
    ...(r.keepWeekly !== undefined ? { weekly: r.keepWeekly } : {}),
    ...(r.keepMonthly !== undefined ? { monthly: r.keepMonthly } : {}),
    ...(r.keepYearly !== undefined ? { yearly: r.keepYearly } : {}),
    ...(r.keepWithin !== undefined ? { within: parseCalendarDuration(r.keepWithin) } : {}),
    tags: [PROTECTED_TAG],
  };
}

export function forgetTask(env: PlanEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(ForgetInput, input, ctx);
      const policy = retentionPolicy(request.retention);
      const repo = await env.openRepository(request.repository);
      const result = await env.gate.with(
        [request.repository],
        true,
        async () => {
          ctx.signal.throwIfAborted();
          return forget(
            {
              policy,
              groupBy: ['host', 'paths'],
              filter: { tags: [ruleFilterTag(request.plan, request.rule)] },
              ...(request.timezone ? { timeZone: request.timezone } : {}),
            },
            { repo, clock: env.clock },
          );
        },
        ctx.signal,
      );
      const kept = result.groups.reduce((n, g) => n + g.keep.length, 0);
      return { repository: request.repository, removed: result.removed.length, kept };
    });
}

export function pruneTask(env: PlanEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(PruneInput, input, ctx);
      const repo = await env.openRepository(request.repository);
      const result = await env.gate.with(
        [request.repository],
        true,
        () =>
          prune(request.maxUnused ? { maxUnused: parseUnusedLimit(request.maxUnused) } : {}, {
            repo,
            clock: env.clock,
            signal: ctx.signal,
          }),
        ctx.signal,
      );
      return {
        repository: request.repository,
        packsDeleted: result.packsDeleted,
        packsRepacked: result.packsRepacked,
        bytesFreed: result.bytesFreed,
      };
    });
}
