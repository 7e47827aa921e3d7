// The scheduler's decisions, as a pure function of the moment, the rules, what was already handled and what is
// running: which scheduled runs start now, which are skipped (and why), which runs are stopped at the end of
// their completion window, and when to look again. Nothing here reads a clock or touches a store.
//
// A rule's "last handled" time moves forward only when a scheduled run is started or skipped, so a run that is
// due but waiting (its rule still running, its repositories busy) is found again after a restart. Rules:
// - a rule seen for the first time only remembers the moment: earlier scheduled times are not its to catch up;
// - scheduled times whose start window has passed are skipped as `missed` (one entry for however many);
// - of the scheduled times still inside their start window, only the latest may run (the catch-up after a
//   pause runs at most once per rule); earlier ones are skipped as `superseded`;
// - a run never starts while a run of the same rule is running, nor while one of its repositories already has
//   `maxRunsPerRepository` runs: it waits until its start window closes, then it is `missed`;
// - waiting runs are served oldest scheduled time first (then by rule key).

import type { Schedule } from '../../domain/schedule.ts';

export interface ScheduledRule {
  /** `plan/rule`. */
  key: string;
  plan: string;
  rule: string;
  schedule: Schedule;
  startWindowMs: number;
  completionWindowMs: number;
  /** Repositories a run writes to (the plan's and its copy targets): what the concurrency limit counts. */
  repositories: readonly string[];
}

export interface ActiveRun {
  /** The rule the run belongs to (`plan/rule`). */
  key: string;
  executionArn: string;
  /** When the execution started (ms). */
  startedAt: number;
  repositories: readonly string[];
}

export interface SchedulerView {
  now: number;
  rules: readonly ScheduledRule[];
  /** Each rule's last handled scheduled time (ms); a rule missing here has never been seen. */
  lastHandled: ReadonlyMap<string, number>;
  running: readonly ActiveRun[];
  maxRunsPerRepository: number;
}

export type SkipReason = 'missed' | 'superseded';

export type Decision =
  | { kind: 'remember'; key: string; at: number }
  | { kind: 'start'; key: string; due: number }
  | {
      kind: 'skip';
      key: string;
      reason: SkipReason;
      /** The first skipped scheduled time. */
      due: number;
      /** How many scheduled times the skip covers. */
      runs: number;
      /** The rule is handled through this time afterwards. */
      through: number;
    }
  | { kind: 'stop'; key: string; executionArn: string; deadline: number };

export interface Waiting {
  key: string;
  due: number;
  because: 'rule-running' | 'repository-busy';
  /** The last moment it may still start. */
  until: number;
}

export interface TickPlan {
  decisions: Decision[];
  waiting: Waiting[];
  /** When something may next need a decision (a due time, a window's end, a completion deadline). */
  wakeAt: number | undefined;
}

/** Scheduled times looked at per rule and tick; a longer pause is skipped as one `missed` entry. */
const MAX_RUNS_PER_TICK = 100_000;

export function planTick(view: SchedulerView): TickPlan {
  const { now } = view;
  const decisions: Decision[] = [];
  const waiting: Waiting[] = [];
  let wakeAt: number | undefined;
  const wake = (at: number | undefined) => {
    if (at !== undefined && at > now && (wakeAt === undefined || at < wakeAt)) wakeAt = at;
  };
  const candidates: { rule: ScheduledRule; due: number }[] = [];
  const rules = [...view.rules].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  for (const rule of rules) {
    wake(rule.schedule.nextRun(new Date(now))?.getTime());
    const last = view.lastHandled.get(rule.key);
    if (last === undefined) {
      decisions.push({ kind: 'remember', key: rule.key, at: now });
      continue;
    }
    // Inside its start window: now - due <= startWindowMs.
    const windowStart = now - rule.startWindowMs;
    let handled = last;
    if (handled < windowStart - 1) {
      const expired = rule.schedule.runsBetween(
        new Date(handled),
        new Date(windowStart - 1),
        MAX_RUNS_PER_TICK,
      );
      if (expired.length > 0) {
        const capped = expired.length === MAX_RUNS_PER_TICK;
        const through = capped ? windowStart - 1 : expired.at(-1)!.getTime();
        decisions.push({
          kind: 'skip',
          key: rule.key,
          reason: 'missed',
          due: expired[0]!.getTime(),
          runs: expired.length,
          through,
        });
        handled = through;
      }
    }
    const due = rule.schedule
      .runsBetween(new Date(Math.max(handled, windowStart - 1)), new Date(now), MAX_RUNS_PER_TICK)
      .map((d) => d.getTime());
    const latest = due.at(-1);
    if (latest === undefined) continue;
    if (due.length > 1) {
      decisions.push({
        kind: 'skip',
        key: rule.key,
        reason: 'superseded',
        due: due[0]!,
        runs: due.length - 1,
        through: due.at(-2)!,
      });
    }
    candidates.push({ rule, due: latest });
  }

  const perRepository = new Map<string, number>();
  const runningRules = new Set<string>();
  for (const run of view.running) {
    runningRules.add(run.key);
    for (const r of new Set(run.repositories)) perRepository.set(r, (perRepository.get(r) ?? 0) + 1);
  }
  candidates.sort((a, b) => a.due - b.due || (a.rule.key < b.rule.key ? -1 : 1));
  for (const { rule, due } of candidates) {
    const until = due + rule.startWindowMs;
    const repositories = [...new Set(rule.repositories)];
    const because = runningRules.has(rule.key)
      ? 'rule-running'
      : repositories.some((r) => (perRepository.get(r) ?? 0) >= view.maxRunsPerRepository)
        ? 'repository-busy'
        : undefined;
    if (because) {
      waiting.push({ key: rule.key, due, because, until });
      wake(until + 1);
      continue;
    }
    decisions.push({ kind: 'start', key: rule.key, due });
    runningRules.add(rule.key);
    for (const r of repositories) perRepository.set(r, (perRepository.get(r) ?? 0) + 1);
  }

  const byKey = new Map(rules.map((r) => [r.key, r]));
  for (const run of view.running) {
    const rule = byKey.get(run.key);
    if (!rule) continue;
    const deadline = run.startedAt + rule.completionWindowMs;
    if (now >= deadline)
      decisions.push({ kind: 'stop', key: run.key, executionArn: run.executionArn, deadline });
    else wake(deadline);
  }
  return { decisions, waiting, wakeAt };
}
