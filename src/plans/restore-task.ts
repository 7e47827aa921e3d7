// `${RestoreTask}`, the task of the daemon's restore workflow: restores one snapshot of a
// plan's source into a new directory (files) or back into the source itself — files in place, overwriting
// what changed; Confluence pages rolled back, un-trashed and recreated in their space, or into a new space.
// At least once: a re-delivery after a crash restores again over what the first attempt wrote (files are
// overwritten, the Confluence restore's journal in the state directory skips what is already done).

import * as path from 'node:path';
import { z } from 'zod';
import { StepvaultError } from '../common/errors.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import type { SecretResolver } from '../config/secrets/secret-resolver.ts';
import type { ConfluenceSourceConfig } from '../config/sources-schema.ts';
import { restoreConfluence } from '../operations/confluence/restore/restore-confluence.ts';
import { restoreFiles } from '../operations/restore/restore-files.ts';
import type { Repository } from '../repository/repository.ts';
import { ConfluenceClient } from '../sources/confluence/client/client.ts';
import { describeSiteWait } from '../sources/confluence/client/retry-policy.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { TaskContext } from '../workflows/engine/task-registry.ts';
import { confluenceClientOptions } from './config-environment.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { asTask } from './task-errors.ts';
import { heartbeater, parseTaskInput } from './task-input.ts';

export const restoreTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('directory'), path: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('production') }).strict(),
  z
    .object({ kind: z.literal('new-space'), key: z.string().min(1), name: z.string().min(1).optional() })
    .strict(),
]);

export type RestoreTargetSpec = z.output<typeof restoreTargetSchema>;

const RestoreInput = z
  .object({
    restoreId: z.string().min(1),
    plan: z.string().min(1),
    source: z.string().min(1),
    repository: z.string().min(1),
    snapshotId: z.string().regex(/^[0-9a-f]{64}$/),
    target: restoreTargetSchema,
    paths: z.array(z.string().min(1)).nullable().default(null),
    spaces: z.array(z.string().min(1)).nullable().default(null),
  })
  .strict();

export interface RestoreTaskOutput {
  itemsRestored: number;
  bytesRestored: number;
  /** Items that could not be restored (the restore is then partial). */
  notRestored: number;
}

/** What a restore needs beyond a plan run: the sources' configuration and the secrets it names. */
export interface RestoreEnvironment extends PlanEnvironment {
  readonly loaded: LoadedConfig;
  readonly secrets: SecretResolver;
}

export function restoreTask(env: RestoreEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(RestoreInput, input, ctx);
      const repo = await env.openRepository(request.repository);
      const output = await env.gate.with(
        [request.repository],
        false,
        async () => {
          const config = env.loaded.config.sources[request.source];
          if (!config)
            throw new StepvaultError('not-found', `source ${request.source} is no longer configured`);
          return config.type === 'files'
            ? restoreFilesSource(request, config.paths, repo, env, ctx)
            : restoreConfluenceSource(request, config, repo, env, ctx);
        },
        ctx.signal,
      );
      return output as unknown as Json;
    });
}

type Request = z.output<typeof RestoreInput>;

async function restoreFilesSource(
  request: Request,
  sourcePaths: readonly string[],
  repo: Repository,
  env: RestoreEnvironment,
  ctx: TaskContext,
): Promise<RestoreTaskOutput> {
  const wanted = request.paths;
  const select = wanted
    ? (p: string) => wanted.some((w) => p === w || p.startsWith(w.endsWith('/') ? w : `${w}/`))
    : undefined;
  const jobs =
    request.target.kind === 'directory'
      ? [{ snapshot: request.snapshotId, target: request.target.path }]
      : request.target.kind === 'production'
        ? sourcePaths.map((p) => ({ snapshot: `${request.snapshotId}:${p}`, target: p }))
        : [];
  if (jobs.length === 0)
    throw new StepvaultError('usage', 'a files source restores into a directory or in place');
  const total: RestoreTaskOutput = { itemsRestored: 0, bytesRestored: 0, notRestored: 0 };
  const onProgress = heartbeater(ctx, env.clock);
  for (const job of jobs) {
    const result = await restoreFiles(
      { ...job, target: path.resolve(job.target), overwrite: 'always', ...(select ? { select } : {}) },
      { repo, clock: env.clock, signal: ctx.signal, onProgress },
    );
    total.itemsRestored += result.filesRestored + result.dirsRestored + result.othersRestored;
    total.bytesRestored += result.bytesRestored;
    total.notRestored += result.failed.length;
  }
  return total;
}

async function restoreConfluenceSource(
  request: Request,
  config: ConfluenceSourceConfig,
  repo: Repository,
  env: RestoreEnvironment,
  ctx: TaskContext,
): Promise<RestoreTaskOutput> {
  if (request.target.kind === 'directory') {
    throw new StepvaultError(
      'usage',
      'a Confluence snapshot restores into its site (production or a new space)',
      {
        hint: 'to read it offline, use `stepvault export html`',
      },
    );
  }
  const options = await confluenceClientOptions(config, env.secrets, ctx.signal);
  const client = new ConfluenceClient({
    ...options,
    onWait: (w) => process.emitWarning(describeSiteWait(w)),
  });
  return client.withAdminKey(
    async () => {
      const onProgress = heartbeater(ctx, env.clock);
      const target = request.target;
      const result = await restoreConfluence(
        {
          snapshot: request.snapshotId,
          ...(request.spaces ? { spaces: request.spaces } : {}),
          ...(target.kind === 'new-space'
            ? { newSpace: { key: target.key, ...(target.name ? { name: target.name } : {}) } }
            : { inPlace: true }),
        },
        {
          repo,
          client,
          targetSite: config.site,
          stateDir: path.join(env.scratchDir, '..', 'confluence-restores'),
          signal: ctx.signal,
          clock: env.clock,
          onProgress,
        },
      );
      return {
        itemsRestored: result.spaces.reduce((n, s) => n + s.items, 0),
        bytesRestored: result.counts.attachmentBytes,
        notRestored: result.notRestored.length,
      };
    },
    { signal: ctx.signal, onDisableFailed: (m) => process.emitWarning(m) },
  );
}
