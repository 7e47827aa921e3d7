// The read models the API answers with, built from the configuration, the runs in the workflow store, the
// scheduler's waiting runs and the metrics summary. Nothing secret is in them: sources show where they read
// (paths, site, spaces), never how they authenticate.

import type { StepvaultConfig } from '../config/config-schema.ts';
import { parseElapsedDuration } from '../domain/duration.ts';
import { parseSchedule } from '../domain/schedule.ts';
import type { StoredSnapshot } from '../domain/snapshot.ts';
import type { DescribeOutput } from '../workflows/engine/describe.ts';
import type { WorkflowEngine } from '../workflows/engine/engine.ts';
import type {
  ApprovalView,
  PlanView,
  RepositoryView,
  RuleView,
  SnapshotView,
  SourceView,
} from './api/api-schemas.ts';
import type { ExecutionFilter } from './api/daemon-api.ts';
import type { MetricsSummary } from './metrics/metrics-summary.ts';
import type { RunFact } from './metrics/run-facts.ts';
import type { RestoreView } from './restore/restore-desk.ts';
import { ruleKey } from './scheduler/scheduled-rules.ts';
import type { Waiting } from './scheduler/scheduler-core.ts';

export function sourceViews(config: StepvaultConfig, summary: MetricsSummary): SourceView[] {
  return Object.entries(config.sources).map(([name, source]) => {
    const s = summary.sources.find((x) => x.name === name);
    const plans = Object.entries(config.plans).filter(([, p]) => p.source === name);
    const rpos = plans.flatMap(([, p]) => p.rules.flatMap((r) => (r.rpo ? [r.rpo] : [])));
    return {
      name,
      type: source.type,
      ...(source.type === 'files'
        ? { paths: source.paths }
        : { site: withoutCredentials(source.site), spaces: source.spaces }),
      plans: plans.map(([p]) => p),
      rpo: rpos.sort((a, b) => parseElapsedDuration(a) - parseElapsedDuration(b))[0] ?? null,
      lastSuccess: s?.lastSuccess ?? null,
      rpoBreached: s?.rpoBreached ?? null,
    };
  });
}

export function planViews(
  config: StepvaultConfig,
  runs: readonly RunFact[],
  waiting: readonly Waiting[],
  now: Date,
  next: number,
): PlanView[] {
  const backups = runs.filter((r) => r.workflow === 'backup');
  return Object.entries(config.plans).map(([name, plan]) => ({
    name,
    source: plan.source,
    repository: plan.repository,
    customWorkflow: plan.workflow !== undefined,
    approvalForProductionRestore: plan.approvalForProductionRestore,
    rules: plan.rules.map((rule): RuleView => {
      const mine = backups.filter((r) => r.plan === name && r.rule === rule.name);
      const last = mine[0];
      const running = mine.find((r) => r.status === 'RUNNING');
      const wait = waiting.find((w) => w.key === ruleKey(name, rule.name));
      return {
        name: rule.name,
        schedule: rule.schedule,
        timezone: rule.timezone,
        startWindow: rule.startWindow,
        completionWindow: rule.completionWindow,
        rpo: rule.rpo ?? null,
        copyTo: rule.copyTo.map((c) => c.repository),
        tags: rule.tags,
        nextRuns: parseSchedule(rule.schedule, rule.timezone)
          .nextRuns(now, next)
          .map((d) => d.toISOString()),
        lastRun: last
          ? {
              execution: last.name,
              status: last.status as NonNullable<RuleView['lastRun']>['status'],
              start: new Date(last.start).toISOString(),
              stop: last.stop !== undefined ? new Date(last.stop).toISOString() : null,
            }
          : null,
        running: running?.name ?? null,
        waiting: wait
          ? {
              due: new Date(wait.due).toISOString(),
              because: wait.because,
              until: new Date(wait.until).toISOString(),
            }
          : null,
      };
    }),
  }));
}

export function repositoryViews(config: StepvaultConfig): RepositoryView[] {
  return Object.entries(config.repositories).map(([name, r]) => ({
    name,
    location: withoutCredentials(r.location),
    description: r.description ?? null,
  }));
}

export function snapshotView(s: StoredSnapshot): SnapshotView {
  return {
    id: s.id,
    time: s.time,
    host: s.host,
    paths: s.paths,
    tags: s.tags,
    sourceType: s.source.type,
    parent: s.parent ?? null,
    original: s.original ?? null,
    partial: (s.partial?.missing.length ?? 0) > 0,
    summary: s.summary
      ? {
          dataAdded: s.summary.dataAdded,
          filesProcessed: s.summary.totalFilesProcessed,
          bytesProcessed: s.summary.totalBytesProcessed,
        }
      : null,
  };
}

export function approvalViews(restores: readonly RestoreView[]): ApprovalView[] {
  return restores.flatMap((r) =>
    r.approval.status === 'not-required'
      ? []
      : [
          {
            id: r.id,
            kind: 'restore' as const,
            status: r.approval.status,
            requestedBy: r.requestedBy,
            requestedAt: r.requestedAt,
            restore: r,
          },
        ],
  );
}

export function filterExecutions(
  engine: WorkflowEngine,
  runs: readonly RunFact[],
  filter: ExecutionFilter,
): DescribeOutput[] {
  return runs
    .filter(
      (r) =>
        (!filter.status || r.status === filter.status) &&
        (!filter.workflow || r.workflow === filter.workflow) &&
        (!filter.plan || r.plan === filter.plan),
    )
    .slice(0, filter.limit ?? 100)
    .map((r) => engine.describeExecution(r.executionArn));
}

/** A URL or location as shown: any `user:password@` part left out (up to its last `@`, as URLs are parsed). */
export function withoutCredentials(location: string): string {
  return location.replace(/(\/\/)[^/\s]*@/, '$1');
}
