// `${NotifyTask}`: sends a plan event (`backup.succeeded`, `backup.failed`,
// `anomaly.detected`, …) to the notification targets whose `events` match. It never fails the workflow: a
// target that cannot be reached is reported in the task's result (and the router retries it), since a
// notification problem must not turn a good backup into a failed one. At least once: after a crash an event
// may be sent twice.

import { z } from 'zod';
import { isNotificationEventKind, type NotificationEvent } from '../domain/notification-event.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { TaskContext } from '../workflows/engine/task-registry.ts';
import type { NotifyReport, PlanEnvironment } from './plan-environment.ts';
import { asTask } from './task-errors.ts';
import { parseTaskInput } from './task-input.ts';

const text = z.string().min(1).nullable().default(null);

export const NotifyInput = z
  .object({
    kind: z.string().refine(isNotificationEventKind, 'a notification event kind, e.g. backup.failed'),
    plan: z.string().min(1),
    rule: text,
    source: text,
    repository: text,
    snapshotId: text,
    message: text,
    error: text,
    cause: z.string().nullable().default(null),
    details: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])).default({}),
  })
  .strict();

export function notifyTask(env: PlanEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const r = parseTaskInput(NotifyInput, input, ctx);
      const summary: Record<string, number | string> = {};
      for (const [k, v] of Object.entries(r.details))
        if (v !== null) summary[k] = typeof v === 'boolean' ? String(v) : v;
      const executionName = ctx.executionId.split(':').at(-1) ?? ctx.executionId;
      const event: NotificationEvent = {
        kind: r.kind as NotificationEvent['kind'],
        time: env.clock.now().toISOString(),
        plan: r.plan,
        executionId: ctx.executionId,
        cliHint: `stepvault workflow history ${executionName}`,
        ...(r.rule ? { rule: r.rule } : {}),
        ...(r.source ? { source: r.source } : {}),
        ...(r.repository ? { repository: r.repository } : {}),
        ...(r.snapshotId ? { snapshotId: r.snapshotId } : {}),
        ...(r.message ? { message: r.message } : {}),
        ...(Object.keys(summary).length > 0 ? { summary } : {}),
        ...(r.error ? { error: { code: r.error, message: r.cause || r.error } } : {}),
      };
      let report: NotifyReport;
      try {
        report = await env.notify(event);
      } catch (e) {
        report = { delivered: [], failed: [{ target: '*', error: (e as Error).message }] };
      }
      return { kind: r.kind, delivered: report.delivered, failed: report.failed };
    });
}
