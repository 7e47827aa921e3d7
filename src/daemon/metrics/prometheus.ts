// The Prometheus exposition of the metrics summary (prom-client, its own registry): every scrape recomputes
// the summary and sets each series from it, so the values are the store's truth rather than counts kept in
// memory (a restart loses nothing). Counters count from the first execution in the store.

import { Counter, Gauge, Registry } from 'prom-client';
import type { MetricsSummary } from './metrics-summary.ts';

export interface PrometheusMetrics {
  readonly contentType: string;
  render(summary: MetricsSummary): Promise<string>;
}

export function prometheusMetrics(startedAt: number): PrometheusMetrics {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers });
  const counter = (name: string, help: string, labelNames: string[]) =>
    new Counter({ name, help, labelNames, registers });
  const m = {
    start: gauge('stepvault_daemon_start_time_seconds', 'When the daemon started (Unix time).', []),
    lastSuccess: gauge(
      'stepvault_source_last_success_timestamp_seconds',
      'When the last successful backup of the source ended (Unix time; 0: never).',
      ['source'],
    ),
    lastDuration: gauge(
      'stepvault_source_last_duration_seconds',
      'How long the last successful backup of the source took.',
      ['source'],
    ),
    bytesAdded: gauge(
      'stepvault_source_bytes_added',
      'New bytes (before compression) the last successful backup of the source added.',
      ['source'],
    ),
    stored: gauge(
      'stepvault_source_stored_bytes',
      "Bytes the source's snapshots take in their repositories (deduplicated, compressed, encrypted).",
      ['source'],
    ),
    dedup: gauge(
      'stepvault_source_dedup_ratio',
      "What restoring all of the source's snapshots would write, over the distinct content they hold.",
      ['source'],
    ),
    rpo: gauge('stepvault_source_rpo_seconds', 'The recovery point objective of the source.', ['source']),
    breach: gauge(
      'stepvault_source_rpo_breach',
      'Whether the last good backup of the source is older than its RPO (1) or not (0).',
      ['source'],
    ),
    runs: counter('stepvault_backup_runs_total', 'Backup runs by plan, rule and final status.', [
      'plan',
      'rule',
      'status',
    ]),
    verifications: counter(
      'stepvault_verification_runs_total',
      'Verifications by plan, rule, kind (restore-test, check: the sample check of a backup run) and outcome.',
      ['plan', 'rule', 'kind', 'outcome'],
    ),
    skipped: counter(
      'stepvault_scheduled_runs_not_run_total',
      'Scheduled runs that did not run (missed, superseded, not-started) or were stopped, by plan and rule.',
      ['plan', 'rule', 'outcome'],
    ),
    executions: counter('stepvault_workflow_executions_total', 'Executions per workflow.', ['workflow']),
    failures: counter(
      'stepvault_workflow_failures_total',
      'Executions per workflow that ended FAILED, TIMED_OUT or ABORTED.',
      ['workflow'],
    ),
    running: gauge('stepvault_workflow_executions_running', 'Executions per workflow running now.', [
      'workflow',
    ]),
  };
  let chain: Promise<unknown> = Promise.resolve();
  return {
    contentType: registry.contentType,
    render(summary) {
      const run = chain.then(async () => {
        registry.resetMetrics();
        m.start.set(startedAt / 1000);
        for (const s of summary.sources) {
          const l = { source: s.name };
          m.lastSuccess.set(l, s.lastSuccess ? Date.parse(s.lastSuccess) / 1000 : 0);
          if (s.lastDurationSeconds !== null) m.lastDuration.set(l, s.lastDurationSeconds);
          if (s.bytesAdded !== null) m.bytesAdded.set(l, s.bytesAdded);
          if (s.storedBytes !== null) m.stored.set(l, s.storedBytes);
          if (s.dedupRatio !== null) m.dedup.set(l, s.dedupRatio);
          if (s.rpoSeconds !== null) m.rpo.set(l, s.rpoSeconds);
          if (s.rpoBreached !== null) m.breach.set(l, s.rpoBreached ? 1 : 0);
        }
        for (const r of summary.runs) m.runs.inc({ plan: r.plan, rule: r.rule, status: r.status }, r.count);
        for (const v of summary.verifications)
          m.verifications.inc({ plan: v.plan, rule: v.rule, kind: v.kind, outcome: v.outcome }, v.count);
        for (const s of summary.skipped)
          m.skipped.inc({ plan: s.plan, rule: s.rule, outcome: s.outcome }, s.count);
        for (const w of summary.workflows) {
          m.executions.inc({ workflow: w.workflow }, w.executions);
          m.failures.inc({ workflow: w.workflow }, w.failures);
          m.running.set({ workflow: w.workflow }, w.running);
        }
        return registry.metrics();
      });
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
