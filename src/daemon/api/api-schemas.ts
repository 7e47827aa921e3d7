// The shapes of the HTTP API as zod schemas: every path parameter, query and request body is checked against
// them (strict: unknown fields and repeated parameters are refused), and every response is described by them.
// The OpenAPI document is generated from these same schemas, so it cannot drift from what the routes accept.

import { z } from 'zod';
import { ROLES } from '../../config/server-schema.ts';
import { BUILTIN_WORKFLOWS } from '../../plans/builtin-workflows.ts';

// --- parameters ------------------------------------------------------------------------------------------------

export const nameParam = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
  error: 'a name: letters, digits, ".", "_", "-" (at most 64)',
});

export const executionParam = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,299}$/, { error: 'an execution name or ARN' });

export const restoreIdParam = z.string().regex(/^[0-9a-f]{12}$/, { error: 'a restore id (12 hex digits)' });

const intParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, { error: `a whole number ${min}-${max}` })
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export const RESTORE_STATUSES = [
  'awaiting-approval',
  'rejected',
  'running',
  'succeeded',
  'failed',
  'timed-out',
  'aborted',
] as const;

export const plansQuery = z.strictObject({ next: intParam(0, 50).optional() });

export const executionsQuery = z.strictObject({
  status: z.enum(EXECUTION_STATUSES).optional(),
  plan: nameParam.optional(),
  workflow: nameParam.optional(),
  limit: intParam(1, 1000).optional(),
});

export const historyQuery = z.strictObject({
  reverseOrder: boolParam.optional(),
  maxResults: intParam(1, 1000).optional(),
  nextToken: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,24}$/, { error: 'a nextToken from an earlier page' })
    .optional(),
  includeExecutionData: boolParam.optional(),
});

export const snapshotsQuery = z.strictObject({
  plan: nameParam.optional(),
  limit: intParam(1, 10000).optional(),
});

export const restoresQuery = z.strictObject({ status: z.enum(RESTORE_STATUSES).optional() });

export const emptyQuery = z.strictObject({});

// --- request bodies --------------------------------------------------------------------------------------------

export const runRequest = z.strictObject({
  rule: nameParam.optional().describe("the rule to run (default: the plan's first)"),
  workflow: z.enum(BUILTIN_WORKFLOWS).optional().describe('which workflow (default: backup)'),
});

const absolutePath = z
  .string()
  .min(2)
  .max(4096)
  .regex(/^\/[^\0]*$/, { error: 'an absolute path' });

export const restoreTargetBody = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('directory'), path: absolutePath.describe('a new directory') }),
  z.strictObject({ kind: z.literal('production') }).describe('the source itself'),
  z.strictObject({
    kind: z.literal('new-space'),
    key: z.string().regex(/^[A-Za-z0-9]{1,255}$/, { error: 'a Confluence space key' }),
    name: z.string().min(1).max(200).optional(),
  }),
]);

export const restoreRequest = z.strictObject({
  plan: nameParam,
  snapshot: z
    .string()
    .regex(/^(?:latest|[0-9a-f]{4,64})$/, { error: '"latest" or 4-64 hex digits of a snapshot ID' }),
  target: restoreTargetBody,
  paths: z.array(absolutePath).min(1).max(1000).optional().describe('files: only these paths'),
  spaces: z
    .array(z.string().regex(/^[A-Za-z0-9~_-]{1,255}$/, { error: 'a space key' }))
    .min(1)
    .max(1000)
    .optional()
    .describe('Confluence: only these spaces'),
});

/** For actions that take no input: an empty body or `{}` only. */
export const emptyBody = z.strictObject({});

export const approvalDecision = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(1000).optional(),
});

// --- responses -------------------------------------------------------------------------------------------------

export const errorResponse = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    hint: z.string().optional(),
    issues: z.array(z.string()).optional(),
  }),
});

export const healthResponse = z.strictObject({ status: z.literal('ok') });

const isoTime = z.string().describe('ISO 8601 time');

export const sourceView = z.strictObject({
  name: z.string(),
  type: z.enum(['files', 'confluence']),
  paths: z.array(z.string()).optional(),
  site: z.string().optional(),
  spaces: z.union([z.literal('all'), z.array(z.string())]).optional(),
  plans: z.array(z.string()),
  rpo: z.string().nullable(),
  lastSuccess: isoTime.nullable(),
  rpoBreached: z.boolean().nullable(),
});

export const executionView = z.strictObject({
  executionArn: z.string(),
  stateMachineArn: z.string(),
  name: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  startDate: isoTime,
  stopDate: isoTime.optional(),
  input: z.string(),
  inputDetails: z.strictObject({ included: z.boolean() }),
  output: z.string().optional(),
  outputDetails: z.strictObject({ included: z.boolean() }).optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  redriveCount: z.number().int(),
  redriveDate: isoTime.optional(),
  redriveStatus: z.enum(['REDRIVABLE', 'NOT_REDRIVABLE']),
  redriveStatusReason: z.string().optional(),
  parentExecutionArn: z.string().optional(),
});

export const ruleView = z.strictObject({
  name: z.string(),
  schedule: z.string(),
  timezone: z.string(),
  startWindow: z.string(),
  completionWindow: z.string(),
  rpo: z.string().nullable(),
  copyTo: z.array(z.string()),
  tags: z.array(z.string()),
  nextRuns: z.array(isoTime),
  lastRun: z
    .strictObject({
      execution: z.string(),
      status: z.enum(EXECUTION_STATUSES),
      start: isoTime,
      stop: isoTime.nullable(),
    })
    .nullable(),
  running: z.string().nullable().describe('the execution of this rule running now'),
  waiting: z
    .strictObject({ due: isoTime, because: z.enum(['rule-running', 'repository-busy']), until: isoTime })
    .nullable()
    .describe('a scheduled run that is due but waits'),
});

export const planView = z.strictObject({
  name: z.string(),
  source: z.string(),
  repository: z.string(),
  customWorkflow: z.boolean(),
  approvalForProductionRestore: z.boolean(),
  rules: z.array(ruleView),
});

export const historyResponse = z.strictObject({
  events: z.array(
    z
      .object({
        timestamp: isoTime,
        type: z.string(),
        id: z.number().int(),
        previousEventId: z.number().int(),
      })
      .catchall(z.unknown()),
  ),
  nextToken: z.string().optional(),
});

export const repositoryView = z.strictObject({
  name: z.string(),
  location: z.string(),
  description: z.string().nullable(),
});

export const snapshotView = z.strictObject({
  id: z.string(),
  time: isoTime,
  host: z.string(),
  paths: z.array(z.string()),
  tags: z.array(z.string()),
  sourceType: z.string(),
  parent: z.string().nullable(),
  original: z.string().nullable(),
  partial: z.boolean(),
  summary: z
    .strictObject({ dataAdded: z.number(), filesProcessed: z.number(), bytesProcessed: z.number() })
    .nullable(),
});

const restoreTargetView = z.union([
  z.strictObject({ kind: z.literal('directory'), path: z.string() }),
  z.strictObject({ kind: z.literal('production') }),
  z.strictObject({ kind: z.literal('new-space'), key: z.string(), name: z.string().optional() }),
]);

export const restoreView = z.strictObject({
  id: z.string(),
  plan: z.string(),
  source: z.string(),
  sourceType: z.string(),
  repository: z.string(),
  snapshotId: z.string(),
  target: restoreTargetView,
  paths: z.array(z.string()).nullable(),
  spaces: z.array(z.string()).nullable(),
  production: z.boolean(),
  requestedBy: z.string(),
  requestedAt: isoTime,
  approval: z.strictObject({
    status: z.enum(['not-required', 'pending', 'approved', 'rejected']),
    decidedBy: z.string().nullable(),
    decidedAt: isoTime.nullable(),
    comment: z.string().nullable(),
  }),
  execution: z.string().nullable(),
  status: z.enum(RESTORE_STATUSES),
  error: z.string().nullable(),
});

export const approvalView = z.strictObject({
  id: z.string(),
  kind: z.literal('restore'),
  status: z.enum(['pending', 'approved', 'rejected']),
  requestedBy: z.string(),
  requestedAt: isoTime,
  restore: restoreView,
});

const countRow = { plan: z.string(), rule: z.string(), count: z.number().int() };

export const metricsSummaryView = z.strictObject({
  time: isoTime,
  sources: z.array(
    z.strictObject({
      name: z.string(),
      type: z.string(),
      plans: z.array(z.string()),
      lastSuccess: isoTime.nullable(),
      lastDurationSeconds: z.number().nullable(),
      bytesAdded: z.number().nullable(),
      storedBytes: z.number().nullable(),
      dedupRatio: z.number().nullable(),
      rpoSeconds: z.number().nullable(),
      rpoBreached: z.boolean().nullable(),
      rpoDeadline: isoTime.nullable(),
    }),
  ),
  runs: z.array(z.strictObject({ ...countRow, status: z.string() })),
  verifications: z.array(
    z.strictObject({
      ...countRow,
      kind: z.enum(['restore-test', 'check']),
      outcome: z.enum(['passed', 'failed']),
    }),
  ),
  skipped: z.array(z.strictObject({ ...countRow, outcome: z.string() })),
  workflows: z.array(
    z.strictObject({
      workflow: z.string(),
      executions: z.number().int(),
      failures: z.number().int(),
      running: z.number().int(),
    }),
  ),
});

export const reloadResponse = z.strictObject({
  reloaded: z.literal(true),
  file: z.string(),
  sha256: z.string(),
  plans: z.number().int(),
  tokens: z.number().int(),
});

export const whoamiResponse = z.strictObject({ name: z.string(), role: z.enum(ROLES) });

export type SourceView = z.output<typeof sourceView>;
export type PlanView = z.output<typeof planView>;
export type RuleView = z.output<typeof ruleView>;
export type RepositoryView = z.output<typeof repositoryView>;
export type SnapshotView = z.output<typeof snapshotView>;
export type ApprovalView = z.output<typeof approvalView>;
export type ReloadResult = z.output<typeof reloadResponse>;
