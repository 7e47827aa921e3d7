// The rules of a configuration as the scheduler sees them (parsed schedules, windows in milliseconds, the
// repositories a run writes to), the running backup executions of those rules, and the name of the execution
// of one scheduled time — fixed, so that starting it twice (after a crash) finds the first one.

import { createHash } from 'node:crypto';
import type { StepvaultConfig } from '../../config/config-schema.ts';
import { parseElapsedDuration } from '../../domain/duration.ts';
import { parseSchedule } from '../../domain/schedule.ts';
import { stateMachineName } from '../../plans/builtin-workflows.ts';
import { isObject } from '../../workflows/asl/json.ts';
import type { WorkflowEngine } from '../../workflows/engine/engine.ts';
import type { ActiveRun, ScheduledRule } from './scheduler-core.ts';

export function ruleKey(plan: string, rule: string): string {
  return `${plan}/${rule}`;
}

export function scheduledRules(config: StepvaultConfig): ScheduledRule[] {
  const rules: ScheduledRule[] = [];
  for (const [plan, p] of Object.entries(config.plans)) {
    for (const r of p.rules) {
      rules.push({
        key: ruleKey(plan, r.name),
        plan,
        rule: r.name,
        schedule: parseSchedule(r.schedule, r.timezone),
        startWindowMs: parseElapsedDuration(r.startWindow),
        completionWindowMs: parseElapsedDuration(r.completionWindow),
        repositories: [p.repository, ...r.copyTo.map((c) => c.repository)],
      });
    }
  }
  return rules;
}

/** Backup executions that some live process runs now, by rule. */
export function runningBackups(engine: WorkflowEngine): ActiveRun[] {
  const out: ActiveRun[] = [];
  const backup = stateMachineName('backup');
  for (const { header: h } of engine.executionRecords({ status: 'RUNNING', limit: 100_000 })) {
    if (h.stateMachineName !== backup || !isObject(h.input)) continue;
    const { plan, rule, repository, copyTo } = h.input;
    if (typeof plan !== 'string' || typeof rule !== 'string') continue;
    if (!engine.isRunningSomewhere(h.executionArn)) continue;
    const copies = Array.isArray(copyTo)
      ? copyTo.flatMap((c) => (isObject(c) && typeof c.repository === 'string' ? [c.repository] : []))
      : [];
    out.push({
      key: ruleKey(plan, rule),
      executionArn: h.executionArn,
      startedAt: h.startTime,
      repositories: [...(typeof repository === 'string' ? [repository] : []), ...copies],
    });
  }
  return out;
}

/** `<plan>.<rule>.<yyyymmddThhmmssZ>` of the scheduled time (shortened with a hash past 80 characters). */
export function scheduledRunName(plan: string, rule: string, due: number): string {
  const stamp = new Date(due)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  const full = `${plan}.${rule}.${stamp}`;
  if (full.length <= 80) return full;
  const hash = createHash('sha256').update(`${plan}\n${rule}`).digest('hex').slice(0, 8);
  return `${plan.slice(0, 25)}.${rule.slice(0, 25)}.${hash}.${stamp}`;
}
