// The numbers `/metrics` and `/api/v1/metrics/summary` show, computed from the configuration, the runs in the
// workflow store, the repository statistics and the scheduler's log — a pure function, so both views agree.
// Per source: last successful backup (time, duration, bytes added), stored size and deduplication of its
// snapshots, RPO and whether it is breached. Per plan rule: backup runs by status, verifications (restore
// tests, and the sample checks of backup runs) by outcome, skipped and stopped scheduled runs. Per workflow:
// executions, failures, running.

import type { StepvaultConfig } from '../../config/config-schema.ts';
import { parseElapsedDuration } from '../../domain/duration.ts';
import type { RunFact } from './run-facts.ts';
import type { SourceStatsValue } from './source-stats.ts';

export interface SourceSummary {
  name: string;
  type: string;
  plans: string[];
  /** ISO time the last successful backup ended, or null. */
  lastSuccess: string | null;
  lastDurationSeconds: number | null;
  /** New bytes the last successful backup added (before compression). */
  bytesAdded: number | null;
  /** Bytes the source's snapshots take in their repositories (compressed, encrypted, deduplicated). */
  storedBytes: number | null;
  /** What restoring every snapshot would write, over the distinct content they share. */
  dedupRatio: number | null;
  rpoSeconds: number | null;
  /** Null when the source has no RPO. */
  rpoBreached: boolean | null;
  /** When the RPO is (or was) breached unless a backup succeeds before; null without an RPO. */
  rpoDeadline: string | null;
}

export interface CountRow {
  plan: string;
  rule: string;
  count: number;
}

export interface MetricsSummary {
  time: string;
  sources: SourceSummary[];
  runs: (CountRow & { status: string })[];
  verifications: (CountRow & { kind: 'restore-test' | 'check'; outcome: 'passed' | 'failed' })[];
  skipped: (CountRow & { outcome: string })[];
  workflows: { workflow: string; executions: number; failures: number; running: number }[];
}

export interface SummaryInput {
  now: number;
  config: StepvaultConfig;
  runs: readonly RunFact[];
  stats: (source: string) => SourceStatsValue | undefined;
  /** When the scheduler first saw each rule (`plan/rule`): the RPO clock of a source never backed up. */
  firstSeen: ReadonlyMap<string, number>;
  /** Skipped/stopped scheduled runs per rule key and outcome. */
  scheduleLog: readonly { ruleKey: string; outcome: string; runs: number }[];
}

const FAILED = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);
const CHECK_FAILED = 'Stepvault.CheckFailed';

export function metricsSummary(input: SummaryInput): MetricsSummary {
  const { config, runs, now } = input;
  const backups = runs.filter((r) => r.workflow === 'backup' && r.plan !== null);
  const sources: SourceSummary[] = Object.entries(config.sources).map(([name, source]) => {
    const plans = Object.entries(config.plans).filter(([, p]) => p.source === name);
    const planNames = plans.map(([p]) => p);
    const last = backups.find(
      (r) =>
        r.status === 'SUCCEEDED' && r.plan !== null && planNames.includes(r.plan) && r.stop !== undefined,
    );
    const rpos = plans.flatMap(([, p]) =>
      p.rules.flatMap((r) => (r.rpo ? [parseElapsedDuration(r.rpo)] : [])),
    );
    const rpoMs = rpos.length > 0 ? Math.min(...rpos) : undefined;
    let rpoBreached: boolean | null = null;
    let rpoDeadline: string | null = null;
    if (rpoMs !== undefined) {
      const seen = plans.flatMap(([p, plan]) => plan.rules.map((r) => input.firstSeen.get(`${p}/${r.name}`)));
      const since = last?.stop ?? Math.min(...seen.map((t) => t ?? now));
      rpoBreached = now - since > rpoMs;
      rpoDeadline = new Date(since + rpoMs).toISOString();
    }
    const stats = input.stats(name);
    const dataAdded = last?.output?.dataAdded;
    return {
      name,
      type: source.type,
      plans: planNames,
      lastSuccess: last?.stop !== undefined ? new Date(last.stop).toISOString() : null,
      lastDurationSeconds: last?.stop !== undefined ? (last.stop - last.start) / 1000 : null,
      bytesAdded: typeof dataAdded === 'number' ? dataAdded : null,
      storedBytes: stats?.storedBytes ?? null,
      dedupRatio: stats?.dedupRatio ?? null,
      rpoSeconds: rpoMs === undefined ? null : rpoMs / 1000,
      rpoBreached,
      rpoDeadline,
    };
  });

  const count = <K extends string>(
    rows: Map<string, CountRow & Record<K, string>>,
    key: Record<K, string>,
    plan: string,
    rule: string,
    n = 1,
  ) => {
    const id = JSON.stringify([plan, rule, key]);
    const row = rows.get(id);
    if (row) row.count += n;
    else rows.set(id, { plan, rule, count: n, ...key } as CountRow & Record<K, string>);
  };
  const byStatus = new Map<string, CountRow & { status: string }>();
  for (const r of backups) count(byStatus, { status: r.status }, r.plan!, r.rule ?? '');
  const verifications = new Map<
    string,
    CountRow & { kind: 'restore-test' | 'check'; outcome: 'passed' | 'failed' }
  >();
  for (const r of backups) {
    // The backup workflow fails with Stepvault.CheckFailed when its sample check finds damage; it succeeds only
    // after the check passed.
    if (!r.checksSample || r.status === 'RUNNING') continue;
    if (r.status === 'SUCCEEDED')
      count(verifications, { kind: 'check', outcome: 'passed' }, r.plan!, r.rule ?? '');
    else if (r.error === CHECK_FAILED)
      count(verifications, { kind: 'check', outcome: 'failed' }, r.plan!, r.rule ?? '');
  }
  for (const r of runs) {
    if (r.workflow !== 'restore-test' || r.plan === null || r.status === 'RUNNING') continue;
    count(
      verifications,
      { kind: 'restore-test', outcome: r.status === 'SUCCEEDED' ? 'passed' : 'failed' },
      r.plan,
      r.rule ?? '',
    );
  }
  const skipped = new Map<string, CountRow & { outcome: string }>();
  for (const e of input.scheduleLog) {
    if (e.outcome === 'started') continue;
    const [plan = '', rule = ''] = e.ruleKey.split('/');
    count(skipped, { outcome: e.outcome }, plan, rule, e.runs);
  }
  const workflows = new Map<
    string,
    { workflow: string; executions: number; failures: number; running: number }
  >();
  for (const r of runs) {
    const w = workflows.get(r.workflow) ?? { workflow: r.workflow, executions: 0, failures: 0, running: 0 };
    w.executions++;
    if (FAILED.has(r.status)) w.failures++;
    if (r.status === 'RUNNING') w.running++;
    workflows.set(r.workflow, w);
  }
  const sorted = <T extends object>(m: Map<string, T>) =>
    [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  return {
    time: new Date(now).toISOString(),
    sources,
    runs: sorted(byStatus),
    verifications: sorted(verifications),
    skipped: sorted(skipped),
    workflows: sorted(workflows),
  };
}
