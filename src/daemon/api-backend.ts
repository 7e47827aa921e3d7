// The daemon behind the API routes: read models from its parts, and the actions (run now, request a restore,
// decide an approval, reload) done and audited here with the caller as the actor — `token:<name>`, never the
// token. Refused writes by a known caller are audited too.

import { asStepvaultError, StepvaultError } from '../common/errors.ts';
import { planTag } from '../domain/plan-tags.ts';
import { planSettings } from '../plans/config-environment.ts';
import { startPlanRun } from '../plans/run-plan.ts';
import { listSnapshots } from '../repository/snapshot/snapshot-store.ts';
import { actorOf } from './api/bearer-tokens.ts';
import type { DaemonApi } from './api/daemon-api.ts';
import type { Daemon } from './daemon.ts';
import {
  approvalViews,
  filterExecutions,
  planViews,
  repositoryViews,
  snapshotView,
  sourceViews,
} from './daemon-views.ts';

export function apiBackend(daemon: Daemon): DaemonApi {
  const config = () => daemon.env.loaded.config;
  return {
    tokens: () => config().server?.tokens ?? [],
    sources: () => sourceViews(config(), daemon.metricsSummary()),
    plans: (next) => planViews(config(), daemon.runs(), daemon.scheduler.waiting, daemon.clock.now(), next),

    async triggerRun(planName, request, caller) {
      const plan = config().plans[planName];
      if (!plan) throw new StepvaultError('not-found', `no plan ${JSON.stringify(planName)}`);
      if (request.rule !== undefined && !plan.rules.some((r) => r.name === request.rule)) {
        throw new StepvaultError(
          'not-found',
          `plan ${planName} has no rule ${JSON.stringify(request.rule)}`,
          {
            hint: `its rules: ${plan.rules.map((r) => r.name).join(', ')}`,
          },
        );
      }
      const workflow = request.workflow ?? 'backup';
      const rule = request.rule ?? plan.rules[0]!.name;
      const started = await startPlanRun(daemon.engine, {
        plan: planSettings(daemon.env.loaded, planName),
        rule,
        workflow,
      });
      daemon.follow(started.executionArn);
      await daemon.audit.append({
        actor: actorOf(caller),
        action: `${workflow}.run`,
        target: `plan:${planName}/${rule}`,
        details: { execution: started.name, workflow },
      });
      daemon.report('info', 'run.started', `${planName}/${rule}: ${caller.name} started ${started.name}`, {
        plan: planName,
        rule,
        execution: started.name,
        by: caller.name,
      });
      return daemon.engine.describeExecution(started.executionArn);
    },

    executions: (filter) => filterExecutions(daemon.engine, daemon.runs(), filter),
    execution: (id) => daemon.engine.describeExecution(id),
    history: (id, options) => daemon.engine.getExecutionHistory(id, options),
    repositories: () => repositoryViews(config()),

    async snapshots(repository, filter) {
      if (!Object.hasOwn(config().repositories, repository)) {
        throw new StepvaultError('not-found', `no repository ${JSON.stringify(repository)}`);
      }
      const repo = await daemon.env.openRepository(repository);
      const all = (await listSnapshots(repo)).snapshots;
      const chosen = filter.plan ? all.filter((s) => s.tags.includes(planTag(filter.plan!))) : all;
      return chosen.slice(0, filter.limit ?? 1000).map(snapshotView);
    },

    async requestRestore(request, caller) {
      const restore = await daemon.restores.request(request, actorOf(caller));
      await daemon.audit.append({
        actor: actorOf(caller),
        action: 'restore.request',
        target: `plan:${restore.plan}`,
        details: {
          restore: restore.id,
          snapshot: restore.snapshotId,
          target: restore.target.kind,
          ...(restore.target.kind === 'directory' ? { path: restore.target.path } : {}),
          production: restore.production,
          approval: restore.approval.status,
        },
      });
      daemon.report(
        'info',
        'restore.requested',
        `${caller.name} asked for restore ${restore.id} (${restore.status})`,
        {
          restore: restore.id,
          plan: restore.plan,
          status: restore.status,
        },
      );
      return restore;
    },

    restores: (filter) => daemon.restores.list(filter),
    restore: (id) => daemon.restores.get(id),
    approvals: () => approvalViews(daemon.restores.list()),

    async decideApproval(id, decision, comment, caller) {
      const restore = await daemon.restores.decide(id, actorOf(caller), decision, comment);
      await daemon.audit.append({
        actor: actorOf(caller),
        action: decision === 'approve' ? 'restore.approve' : 'restore.reject',
        target: `restore:${id}`,
        details: { plan: restore.plan, snapshot: restore.snapshotId, requestedBy: restore.requestedBy },
      });
      daemon.report(
        'info',
        `restore.${decision === 'approve' ? 'approved' : 'rejected'}`,
        `${caller.name} ${decision}d restore ${id}`,
        {
          restore: id,
        },
      );
      return restore;
    },

    metricsSummary: () => daemon.metricsSummary(),
    prometheus: () => daemon.prometheus(),
    reloadConfig: (caller) => daemon.reload(actorOf(caller)),

    async refusedWrite(caller, method, path, status, code) {
      try {
        await daemon.audit.append({
          actor: actorOf(caller),
          action: 'api.refused',
          target: `api:${method} ${path}`,
          details: { status, code },
        });
      } catch (e) {
        daemon.report(
          'error',
          'audit.failed',
          `cannot write the audit log: ${asStepvaultError(e).message}`,
          {},
        );
      }
    },

    internalError(error, method, path) {
      const e = asStepvaultError(error);
      daemon.report('error', 'api.error', `${method} ${path} failed: ${e.message}`, { code: e.code });
    },
  };
}
