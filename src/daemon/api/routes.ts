// The API's routes as data: method, path, the role it needs, the schemas of its parameters, query and body, its
// documented replies and its handler. The Hono app serves exactly these, and the OpenAPI document is generated
// from exactly these, so the two always agree.

import { z } from 'zod';
import type { Role } from '../../config/server-schema.ts';
import { ApiError } from './api-errors.ts';
import * as s from './api-schemas.ts';
import type { Caller } from './bearer-tokens.ts';
import type { DaemonApi } from './daemon-api.ts';

export interface Reply {
  status: number;
  body?: unknown;
  /** A body that is not JSON (the Prometheus text). */
  text?: { contentType: string; content: string };
}

export interface ParsedRequest {
  params: Record<string, unknown>;
  query: unknown;
  body: unknown;
  caller: Caller;
}

export interface RouteSpec {
  method: 'get' | 'post';
  /** OpenAPI form: `/api/v1/plans/{plan}`. */
  path: string;
  /** Null: no token needed (only the health check). */
  role: Role | null;
  summary: string;
  params: Record<string, z.ZodType>;
  query: z.ZodType;
  body: z.ZodType | undefined;
  /** Successful replies: status -> schema (or 'text' for the Prometheus exposition). */
  replies: Record<number, { description: string; schema: z.ZodType | 'text' }>;
  /** Error statuses besides 401/403 and 400/500 that every route may answer. */
  errors: number[];
  handle(request: ParsedRequest, api: DaemonApi): Promise<Reply>;
}

interface Typed<P extends Record<string, z.ZodType>, Q extends z.ZodType, B extends z.ZodType | undefined> {
  method: 'get' | 'post';
  path: string;
  role: Role | null;
  summary: string;
  params?: P;
  query?: Q;
  body?: B;
  replies: RouteSpec['replies'];
  errors?: number[];
  handle(
    request: {
      params: { [K in keyof P]: z.output<P[K]> };
      query: z.output<Q>;
      body: B extends z.ZodType ? z.output<B> : undefined;
      caller: Caller;
    },
    api: DaemonApi,
  ): Promise<Reply>;
}

function route<
  P extends Record<string, z.ZodType> = Record<never, z.ZodType>,
  Q extends z.ZodType = typeof s.emptyQuery,
  B extends z.ZodType | undefined = undefined,
>(spec: Typed<P, Q, B>): RouteSpec {
  return {
    method: spec.method,
    path: spec.path,
    role: spec.role,
    summary: spec.summary,
    params: spec.params ?? {},
    query: spec.query ?? s.emptyQuery,
    body: spec.body,
    replies: spec.replies,
    errors: spec.errors ?? [],
    handle: spec.handle as RouteSpec['handle'],
  };
}

const ok = (body: unknown, status = 200): Reply => ({ status, body });

function one<T extends { name: string }>(items: T[], name: string, kind: string): T {
  const found = items.find((i) => i.name === name);
  if (!found) throw new ApiError(404, 'not-found', `no ${kind} ${JSON.stringify(name)}`);
  return found;
}

export const ROUTES: RouteSpec[] = [
  route({
    method: 'get',
    path: '/healthz',
    role: null,
    summary: 'Liveness: the daemon answers (no token needed, nothing else disclosed)',
    replies: { 200: { description: 'alive', schema: s.healthResponse } },
    handle: async () => ok({ status: 'ok' }),
  }),
  route({
    method: 'get',
    path: '/metrics',
    role: 'viewer',
    summary: 'Prometheus metrics (text exposition format)',
    replies: { 200: { description: 'the metrics', schema: 'text' } },
    handle: async (_r, api) => {
      const { contentType, text } = await api.prometheus();
      return { status: 200, text: { contentType, content: text } };
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/openapi.json',
    role: 'viewer',
    summary: 'This API as an OpenAPI 3.1 document',
    replies: { 200: { description: 'the document', schema: z.record(z.string(), z.unknown()) } },
    // Served by the app itself (it owns the route table); listed here so that it is documented and guarded.
    handle: async () => ok({}),
  }),
  route({
    method: 'get',
    path: '/api/v1/whoami',
    role: 'viewer',
    summary: "The caller's token name and role",
    replies: { 200: { description: 'the caller', schema: s.whoamiResponse } },
    handle: async ({ caller }) => ok({ name: caller.name, role: caller.role }),
  }),
  route({
    method: 'get',
    path: '/api/v1/sources',
    role: 'viewer',
    summary: 'Sources, with their plans, RPO and last good backup',
    replies: {
      200: { description: 'the sources', schema: z.strictObject({ sources: z.array(s.sourceView) }) },
    },
    handle: async (_r, api) => ok({ sources: api.sources() }),
  }),
  route({
    method: 'get',
    path: '/api/v1/sources/{source}',
    role: 'viewer',
    summary: 'One source',
    params: { source: s.nameParam },
    replies: { 200: { description: 'the source', schema: s.sourceView } },
    errors: [404],
    handle: async ({ params }, api) => ok(one(api.sources(), params.source, 'source')),
  }),
  route({
    method: 'get',
    path: '/api/v1/plans',
    role: 'viewer',
    summary: 'Plans and their rules, with next runs, last run and what runs or waits now',
    query: s.plansQuery,
    replies: { 200: { description: 'the plans', schema: z.strictObject({ plans: z.array(s.planView) }) } },
    handle: async ({ query }, api) => ok({ plans: api.plans(query.next ?? 3) }),
  }),
  route({
    method: 'get',
    path: '/api/v1/plans/{plan}',
    role: 'viewer',
    summary: 'One plan',
    params: { plan: s.nameParam },
    query: s.plansQuery,
    replies: { 200: { description: 'the plan', schema: s.planView } },
    errors: [404],
    handle: async ({ params, query }, api) => ok(one(api.plans(query.next ?? 3), params.plan, 'plan')),
  }),
  route({
    method: 'post',
    path: '/api/v1/plans/{plan}/runs',
    role: 'operator',
    summary: "Run a plan's rule now (its backup workflow, or restore-test / maintenance)",
    params: { plan: s.nameParam },
    body: s.runRequest,
    replies: {
      202: { description: 'started', schema: z.strictObject({ execution: s.executionView }) },
    },
    errors: [404, 409, 413, 415],
    handle: async ({ params, body, caller }, api) =>
      ok({ execution: await api.triggerRun(params.plan, body, caller) }, 202),
  }),
  route({
    method: 'get',
    path: '/api/v1/executions',
    role: 'viewer',
    summary: 'Executions, newest first (DescribeExecution shape)',
    query: s.executionsQuery,
    replies: {
      200: {
        description: 'the executions',
        schema: z.strictObject({ executions: z.array(s.executionView) }),
      },
    },
    handle: async ({ query }, api) => ok({ executions: api.executions(query) }),
  }),
  route({
    method: 'get',
    path: '/api/v1/executions/{execution}',
    role: 'viewer',
    summary: 'One execution, by name or ARN (DescribeExecution shape)',
    params: { execution: s.executionParam },
    replies: { 200: { description: 'the execution', schema: s.executionView } },
    errors: [404],
    handle: async ({ params }, api) => ok(api.execution(params.execution)),
  }),
  route({
    method: 'get',
    path: '/api/v1/executions/{execution}/history',
    role: 'viewer',
    summary: "An execution's history (GetExecutionHistory shape, with paging)",
    params: { execution: s.executionParam },
    query: s.historyQuery,
    replies: { 200: { description: 'the history', schema: s.historyResponse } },
    errors: [404],
    handle: async ({ params, query }, api) =>
      ok(
        api.history(params.execution, {
          ...(query.reverseOrder !== undefined ? { reverseOrder: query.reverseOrder } : {}),
          ...(query.maxResults !== undefined ? { maxResults: query.maxResults } : {}),
          ...(query.nextToken !== undefined ? { nextToken: query.nextToken } : {}),
          ...(query.includeExecutionData !== undefined
            ? { includeExecutionData: query.includeExecutionData }
            : {}),
        }),
      ),
  }),
  route({
    method: 'get',
    path: '/api/v1/repositories',
    role: 'viewer',
    summary: 'Repositories',
    replies: {
      200: {
        description: 'the repositories',
        schema: z.strictObject({ repositories: z.array(s.repositoryView) }),
      },
    },
    handle: async (_r, api) => ok({ repositories: api.repositories() }),
  }),
  route({
    method: 'get',
    path: '/api/v1/repositories/{repository}/snapshots',
    role: 'viewer',
    summary: 'Snapshots of a repository, newest first',
    params: { repository: s.nameParam },
    query: s.snapshotsQuery,
    replies: {
      200: { description: 'the snapshots', schema: z.strictObject({ snapshots: z.array(s.snapshotView) }) },
    },
    errors: [404, 503],
    handle: async ({ params, query }, api) =>
      ok({ snapshots: await api.snapshots(params.repository, query) }),
  }),
  route({
    method: 'post',
    path: '/api/v1/restores',
    role: 'operator',
    summary:
      "Request a restore: into a new directory, or into the source itself (production; an admin's approval when the plan says so)",
    body: s.restoreRequest,
    replies: {
      202: {
        description: 'started, or awaiting approval',
        schema: z.strictObject({ restore: s.restoreView }),
      },
    },
    errors: [404, 409, 413, 415],
    handle: async ({ body, caller }, api) => ok({ restore: await api.requestRestore(body, caller) }, 202),
  }),
  route({
    method: 'get',
    path: '/api/v1/restores',
    role: 'viewer',
    summary: 'Restore requests, newest first',
    query: s.restoresQuery,
    replies: {
      200: { description: 'the restores', schema: z.strictObject({ restores: z.array(s.restoreView) }) },
    },
    handle: async ({ query }, api) => ok({ restores: api.restores(query) }),
  }),
  route({
    method: 'get',
    path: '/api/v1/restores/{restore}',
    role: 'viewer',
    summary: 'One restore request',
    params: { restore: s.restoreIdParam },
    replies: { 200: { description: 'the restore', schema: s.restoreView } },
    errors: [404],
    handle: async ({ params }, api) => ok(api.restore(params.restore)),
  }),
  route({
    method: 'get',
    path: '/api/v1/approvals',
    role: 'viewer',
    summary: 'Approvals of production restores (pending and decided)',
    replies: {
      200: { description: 'the approvals', schema: z.strictObject({ approvals: z.array(s.approvalView) }) },
    },
    handle: async (_r, api) => ok({ approvals: api.approvals() }),
  }),
  route({
    method: 'post',
    path: '/api/v1/approvals/{approval}',
    role: 'admin',
    summary: 'Approve or reject a pending production restore (not by the admin who asked for it)',
    params: { approval: s.restoreIdParam },
    body: s.approvalDecision,
    replies: { 200: { description: 'decided', schema: z.strictObject({ restore: s.restoreView }) } },
    errors: [404, 409, 413, 415],
    handle: async ({ params, body, caller }, api) =>
      ok({ restore: await api.decideApproval(params.approval, body.decision, body.comment, caller) }),
  }),
  route({
    method: 'get',
    path: '/api/v1/metrics/summary',
    role: 'viewer',
    summary: 'The numbers of /metrics as JSON',
    replies: { 200: { description: 'the summary', schema: s.metricsSummaryView } },
    handle: async (_r, api) => ok(api.metricsSummary()),
  }),
  route({
    method: 'post',
    path: '/api/v1/config/reload',
    role: 'admin',
    summary: 'Read stepvault.yaml again (an invalid file is refused and the running configuration kept)',
    body: s.emptyBody,
    replies: { 200: { description: 'reloaded', schema: s.reloadResponse } },
    errors: [413, 415],
    handle: async ({ caller }, api) => ok(await api.reloadConfig(caller)),
  }),
];
