// What the HTTP layer asks of the daemon: the read models and the actions behind the routes. The routes only
// check input and roles and shape replies; the daemon does the work and writes the audit records of its actions.

import type { BuiltinWorkflow } from '../../plans/builtin-workflows.ts';
import type { DescribeOutput, HistoryOptions, HistoryOutput } from '../../workflows/engine/describe.ts';
import type { MetricsSummary } from '../metrics/metrics-summary.ts';
import type { RestoreRequestInput, RestoreStatus, RestoreView } from '../restore/restore-desk.ts';
import type {
  ApprovalView,
  PlanView,
  ReloadResult,
  RepositoryView,
  SnapshotView,
  SourceView,
} from './api-schemas.ts';
import type { Caller, TokenEntry } from './bearer-tokens.ts';

export interface ExecutionFilter {
  status?: string | undefined;
  plan?: string | undefined;
  workflow?: string | undefined;
  limit?: number | undefined;
}

export interface DaemonApi {
  /** The tokens of the configuration in force (a reload changes them). */
  tokens(): readonly TokenEntry[];
  sources(): SourceView[];
  plans(nextRuns: number): PlanView[];
  triggerRun(
    plan: string,
    request: { rule?: string | undefined; workflow?: BuiltinWorkflow | undefined },
    caller: Caller,
  ): Promise<DescribeOutput>;
  executions(filter: ExecutionFilter): DescribeOutput[];
  execution(id: string): DescribeOutput;
  history(id: string, options: HistoryOptions): HistoryOutput;
  repositories(): RepositoryView[];
  snapshots(
    repository: string,
    filter: { plan?: string | undefined; limit?: number | undefined },
  ): Promise<SnapshotView[]>;
  requestRestore(request: RestoreRequestInput, caller: Caller): Promise<RestoreView>;
  restores(filter: { status?: RestoreStatus | undefined }): RestoreView[];
  restore(id: string): RestoreView;
  approvals(): ApprovalView[];
  decideApproval(
    id: string,
    decision: 'approve' | 'reject',
    comment: string | undefined,
    caller: Caller,
  ): Promise<RestoreView>;
  metricsSummary(): MetricsSummary;
  prometheus(): Promise<{ contentType: string; text: string }>;
  reloadConfig(caller: Caller): Promise<ReloadResult>;
  /** Records a write request that was refused (authenticated caller, wrong role or bad input). */
  refusedWrite(caller: Caller, method: string, path: string, status: number, code: string): Promise<void>;
  /** Reports an error the API answered as internal. */
  internalError(error: unknown, method: string, path: string): void;
}
