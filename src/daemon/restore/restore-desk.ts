// Restore requests made through the API: checked (the plan, a snapshot of that plan, a target its source can
// take), pinned to one snapshot ID, recorded in the daemon state, and run as an execution of the restore
// workflow — at once, or after an admin's approval when the target is the source itself ("production") and
// the plan says `approvalForProductionRestore`. Whoever asked cannot approve their own request.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DaemonState } from '../../catalog/daemon-state.ts';
import type { Clock } from '../../common/clock.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { NotificationEvent } from '../../domain/notification-event.ts';
import { planTag } from '../../domain/plan-tags.ts';
import type { RestoreTargetSpec } from '../../plans/restore-task.ts';
import { listSnapshots, resolveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import type { Json } from '../../workflows/asl/json.ts';
import type { WorkflowEngine } from '../../workflows/engine/engine.ts';
import { executionArn } from '../../workflows/engine/naming.ts';
import type { DaemonEnvironment } from '../daemon-environment.ts';

export const RESTORE_STATE_MACHINE = 'stepvault-restore';

export interface RestoreRequestInput {
  plan: string;
  /** "latest" (of the plan's snapshots) or an ID prefix. */
  snapshot: string;
  target: RestoreTargetSpec;
  /** Files: only these paths (as in the snapshot) and what is below them. */
  paths?: string[] | undefined;
  /** Confluence: only these space keys. */
  spaces?: string[] | undefined;
}

export type ApprovalStatus = 'not-required' | 'pending' | 'approved' | 'rejected';

export interface RestoreRecord {
  id: string;
  plan: string;
  source: string;
  sourceType: string;
  repository: string;
  snapshotId: string;
  target: RestoreTargetSpec;
  paths: string[] | null;
  spaces: string[] | null;
  /** The target is the source itself. */
  production: boolean;
  requestedBy: string;
  requestedAt: string;
  approval: {
    status: ApprovalStatus;
    decidedBy: string | null;
    decidedAt: string | null;
    comment: string | null;
  };
  /** The restore execution's ARN once it is started. */
  execution: string | null;
}

export type RestoreStatus =
  | 'awaiting-approval'
  | 'rejected'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timed-out'
  | 'aborted';

export interface RestoreView extends RestoreRecord {
  status: RestoreStatus;
  error: string | null;
}

export interface RestoreDeskDeps {
  state: DaemonState;
  engine: () => WorkflowEngine;
  env: DaemonEnvironment;
  clock: Clock;
  /** The restore workflow's definition text. */
  definition: string;
  notify(event: NotificationEvent): void;
  /** Told about each restore execution started (to follow it). */
  started(executionArn: string): void;
}

export class RestoreDesk {
  readonly #deps: RestoreDeskDeps;

  constructor(deps: RestoreDeskDeps) {
    this.#deps = deps;
  }

  async request(input: RestoreRequestInput, actor: string): Promise<RestoreView> {
    const { env, clock } = this.#deps;
    const config = env.loaded.config;
    const plan = config.plans[input.plan];
    if (!plan) throw new StepvaultError('not-found', `no plan ${JSON.stringify(input.plan)}`);
    const source = config.sources[plan.source];
    if (!source) throw new StepvaultError('not-found', `plan ${input.plan}: no source ${plan.source}`);
    const target = input.target;
    if (source.type === 'files') {
      if (target.kind === 'new-space') {
        throw new StepvaultError(
          'usage',
          'a files source restores into a directory or in place (production)',
        );
      }
      if (input.spaces) throw new StepvaultError('usage', 'spaces apply to Confluence sources');
      if (target.kind === 'directory') checkDirectoryTarget(target.path, source.paths);
    } else {
      if (target.kind === 'directory') {
        throw new StepvaultError(
          'usage',
          'a Confluence snapshot restores into its site: production or new-space',
          {
            hint: 'to read a snapshot offline, use `stepvault export html`',
          },
        );
      }
      if (input.paths) throw new StepvaultError('usage', 'paths apply to files sources');
      if (target.kind === 'new-space' && input.spaces?.length !== 1) {
        throw new StepvaultError('usage', 'a restore into a new space takes exactly one source space', {
          hint: 'give spaces: [KEY]',
        });
      }
    }
    const repo = await env.openRepository(plan.repository);
    const own = (await listSnapshots(repo)).snapshots.filter((s) => s.tags.includes(planTag(input.plan)));
    const snapshot = resolveSnapshot(own, input.snapshot);
    const production = target.kind !== 'directory';
    const required = production && plan.approvalForProductionRestore;
    const record: RestoreRecord = {
      id: randomBytes(6).toString('hex'),
      plan: input.plan,
      source: plan.source,
      sourceType: source.type,
      repository: plan.repository,
      snapshotId: snapshot.id,
      target,
      paths: input.paths ?? null,
      spaces: input.spaces ?? null,
      production,
      requestedBy: actor,
      requestedAt: clock.now().toISOString(),
      approval: {
        status: required ? 'pending' : 'not-required',
        decidedBy: null,
        decidedAt: null,
        comment: null,
      },
      execution: null,
    };
    this.#deps.state.putRestore(record.id, record);
    if (required) {
      this.#deps.notify({
        kind: 'restore.requested',
        time: record.requestedAt,
        plan: record.plan,
        source: record.source,
        repository: record.repository,
        snapshotId: record.snapshotId,
        message: `${actor} asks to restore snapshot ${record.snapshotId.slice(0, 8)} of plan ${record.plan} into its source: an admin must approve restore ${record.id}`,
      });
      return this.view(record);
    }
    return this.view(await this.#start(record));
  }

  async decide(
    id: string,
    actor: string,
    decision: 'approve' | 'reject',
    comment: string | undefined,
  ): Promise<RestoreView> {
    const record = this.#record(id);
    if (record.approval.status !== 'pending') {
      throw new StepvaultError(
        'conflict',
        `restore ${id} is not awaiting approval (${record.approval.status})`,
      );
    }
    if (record.requestedBy === actor) {
      throw new StepvaultError(
        'conflict',
        `restore ${id} was requested by ${actor}: another admin must decide`,
        {
          hint: 'a production restore needs a second person',
        },
      );
    }
    record.approval = {
      status: decision === 'approve' ? 'approved' : 'rejected',
      decidedBy: actor,
      decidedAt: this.#deps.clock.now().toISOString(),
      comment: comment ?? null,
    };
    this.#deps.state.putRestore(id, record);
    if (decision === 'reject') return this.view(record);
    return this.view(await this.#start(record));
  }

  /** Starts restores that were recorded as started but whose execution does not exist (a crash in between). */
  async recover(): Promise<void> {
    for (const record of this.#deps.state.listRestores() as RestoreRecord[]) {
      if (record.execution && !this.#deps.engine().execution(record.execution)) await this.#start(record);
    }
  }

  get(id: string): RestoreView {
    return this.view(this.#record(id));
  }

  list(filter: { status?: RestoreStatus | undefined } = {}): RestoreView[] {
    return (this.#deps.state.listRestores() as RestoreRecord[])
      .map((r) => this.view(r))
      .filter((v) => filter.status === undefined || v.status === filter.status);
  }

  view(record: RestoreRecord): RestoreView {
    let status: RestoreStatus;
    let error: string | null = null;
    if (record.approval.status === 'pending') status = 'awaiting-approval';
    else if (record.approval.status === 'rejected') status = 'rejected';
    else {
      const stored = record.execution ? this.#deps.engine().execution(record.execution) : undefined;
      const s = stored?.header.status ?? 'RUNNING';
      status = s === 'TIMED_OUT' ? 'timed-out' : (s.toLowerCase() as RestoreStatus);
      if (stored?.header.error) error = stored.header.error;
    }
    return { ...record, status, error };
  }

  #record(id: string): RestoreRecord {
    const record = this.#deps.state.getRestore(id) as RestoreRecord | undefined;
    if (!record) throw new StepvaultError('not-found', `no restore ${JSON.stringify(id)}`);
    return record;
  }

  async #start(record: RestoreRecord): Promise<RestoreRecord> {
    const engine = this.#deps.engine();
    const name = `restore-${record.id}`;
    const arn = executionArn(engine.partition, RESTORE_STATE_MACHINE, name);
    // Recorded first: a crash before the start is found by recover(), never run twice (the name is fixed).
    record.execution = arn;
    this.#deps.state.putRestore(record.id, record);
    if (!engine.execution(arn)) {
      const input: Json = {
        restoreId: record.id,
        plan: record.plan,
        source: record.source,
        repository: record.repository,
        snapshotId: record.snapshotId,
        target: record.target as unknown as Json,
        paths: record.paths,
        spaces: record.spaces,
      };
      await engine.startExecution(this.#deps.definition, input, {
        name,
        stateMachineName: RESTORE_STATE_MACHINE,
      });
    }
    this.#deps.started(arn);
    return record;
  }
}

/** A directory target is new (nothing is overwritten) and neither inside nor around the source's paths. */
function checkDirectoryTarget(target: string, sourcePaths: readonly string[]): void {
  if (!path.isAbsolute(target) || path.resolve(target) !== target.replace(/\/+$/, '')) {
    throw new StepvaultError(
      'usage',
      `the target ${JSON.stringify(target)} is not an absolute, normalized path`,
      {
        hint: 'give a path like /srv/restores/2026-03-10',
      },
    );
  }
  const inside = (a: string, b: string) => a === b || a.startsWith(b.endsWith('/') ? b : `${b}/`);
  for (const p of sourcePaths) {
    if (inside(target, p) || inside(p, target)) {
      throw new StepvaultError('usage', `the target ${target} overlaps the source path ${p}`, {
        hint: 'to restore into the source itself, ask for the target { kind: production }',
      });
    }
  }
  let exists = true;
  try {
    fs.lstatSync(target);
  } catch {
    exists = false;
  }
  if (exists) {
    throw new StepvaultError('conflict', `the target ${target} exists`, {
      hint: 'restore into a new directory: nothing existing is overwritten',
    });
  }
}
