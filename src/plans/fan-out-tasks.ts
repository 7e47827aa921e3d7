// The tasks of a fan-out backup (a Confluence site backed up by many workers, the backup workflow's PlanParts,
// BackupParts and CommitParts states): `${FanOutPlanTask}` fixes what the parts share and writes the run's files to
// the run bucket (the parts, one item each, for the distributed Map's ItemReader; the whole plan for the commit),
// `${BackupPartTask}` backs up one part (whole spaces or slices of them), and `${CommitPartsTask}` reads the parts'
// results where the Map's ResultWriter put them and commits the one snapshot. Workflow state carries only keys and
// small numbers; what grows with the site (spaces, index file names, the parts' results) stays in the bucket. The
// commit, like the backup task, makes one snapshot per run (`run:<key>`): a re-invocation returns the snapshot an
// earlier one made.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { StepvaultError } from '../common/errors.ts';
import type { PartResult } from '../operations/confluence/backup/backup-part.ts';
import { type FanOutPlan, openPlan } from '../operations/confluence/backup/fan-out-plan.ts';
import type { Sealed } from '../operations/confluence/backup/fan-out-seal.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { ObjectStore } from '../workflows/engine/item-io.ts';
import type { TaskContext } from '../workflows/engine/task-registry.ts';
import { oncePerRun } from './backup-task.ts';
import type { ConfluenceSourceSpec, PlanEnvironment } from './plan-environment.ts';
import { asTask } from './task-errors.ts';
import { heartbeater, parseTaskInput } from './task-input.ts';

const name = z.string().min(1);

export const FanOutPlanInput = z
  .object({
    plan: name,
    rule: name,
    source: name,
    repository: name,
    bucket: name,
    fanOut: z
      .object({
        workers: z.number().int().min(1),
        parts: z.number().int().min(1).nullable().default(null),
      })
      .strict(),
  })
  .strict();

/** Where a run's files are, as the plan task reported them (workflow state). */
const runFiles = z
  .object({ bucket: name, planKey: name, resultsPrefix: name, time: z.iso.datetime() })
  .passthrough();

export const BackupPartInput = z
  .object({
    plan: name,
    rule: name,
    source: name,
    repository: name,
    run: runFiles,
    index: z.number().int().min(0),
  })
  .strict();

export const CommitPartsInput = z
  .object({
    plan: name,
    rule: name,
    source: name,
    repository: name,
    tags: z.array(name).default([]),
    run: runFiles,
    results: z
      .object({ ResultWriterDetails: z.object({ Bucket: name, Key: name }).passthrough() })
      .passthrough(),
  })
  .strict();

/** What the plan task puts in workflow state. */
export interface FanOutRun {
  bucket: string;
  /** A JSON array of `{ "index": n }`, one per part of the plan: the Map's items. */
  partsKey: string;
  /** The whole FanOutPlan, for the commit. */
  planKey: string;
  /** Where the parts' sealed results (`parts/<index>.json`) and the Map's ResultWriter files go. */
  resultsPrefix: string;
  time: string;
  parent: string | null;
  spaces: number;
  /** How many parts (child executions) the Map runs. */
  parts: number;
}

/** The part results' shape, checked as they are read back from the bucket. */
const partResultSchema = z
  .object({
    plan: z.string(),
    index: z.number(),
    seal: z.string(),
    tree: z.string().regex(/^[0-9a-f]{64}$/),
    site: z
      .object({ watermarks: z.record(z.string(), z.string()), swept: z.boolean() })
      .passthrough()
      .nullable(),
    gone: z.array(z.string()),
    counts: z.record(z.string(), z.unknown()),
    missing: z.array(z.object({ path: z.string(), error: z.string() })),
    deleted: z.array(z.object({ path: z.string(), reason: z.string() })),
    indexFiles: z.array(z.string()),
    treeBlobs: z.number(),
    packBytes: z.number(),
  })
  .passthrough();

function confluenceSource(env: PlanEnvironment, source: string): ConfluenceSourceSpec {
  const spec = env.source(source);
  if (spec.type !== 'confluence')
    throw new StepvaultError(
      'usage',
      `source ${source} is a ${spec.type} source: only Confluence sites fan out`,
      {
        hint: 'remove fanOut from the plan input, or back up this source with the Backup task',
      },
    );
  return spec;
}

/** A run's files live under a prefix of its own, named from its idempotency key (the same across retries). */
function runPrefix(plan: string, ctx: TaskContext): string {
  const id = createHash('sha256').update(ctx.idempotencyKey).digest('hex').slice(0, 32);
  return `stepvault/fan-out/${plan}/${id}`;
}

function requireObjects(objects: (() => ObjectStore) | undefined): ObjectStore {
  const store = objects?.();
  if (!store)
    throw new StepvaultError('usage', 'this process has no run bucket for fan-out backups', {
      hint: 'run fan-out plans on the local engine (plan run, serve) or with `stepvault worker`',
    });
  return store;
}

export function fanOutPlanTask(env: PlanEnvironment, objects: (() => ObjectStore) | undefined) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(FanOutPlanInput, input, ctx);
      const spec = confluenceSource(env, request.source);
      const store = requireObjects(objects);
      const repo = await env.openRepository(request.repository);
      const plan = await env.gate.with(
        [request.repository],
        false,
        () =>
          spec.planFanOut(
            { parts: request.fanOut.parts ?? request.fanOut.workers * 2 },
            { repo, clock: env.clock, signal: ctx.signal },
          ),
        ctx.signal,
      );
      const prefix = runPrefix(request.plan, ctx);
      const run: FanOutRun = {
        bucket: request.bucket,
        partsKey: `${prefix}/parts.json`,
        planKey: `${prefix}/plan.json`,
        resultsPrefix: `${prefix}/results`,
        time: plan.time,
        parent: plan.parent,
        spaces: plan.spaces.length,
        parts: plan.parts.length,
      };
      await store.put(run.bucket, run.planKey, JSON.stringify(plan));
      await store.put(run.bucket, run.partsKey, JSON.stringify(plan.parts.map((_, index) => ({ index }))));
      return run as unknown as Json;
    });
}

/**
 * Backs up the plan's part `index` and keeps its sealed result in the run bucket (`parts/<index>.json`): it grows
 * with what the part could not read, and a task's output is capped (256 KiB on Step Functions), so the output
 * names only where the result is, with a few counts.
 */
export function backupPartTask(env: PlanEnvironment, objects: (() => ObjectStore) | undefined) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(BackupPartInput, input, ctx);
      const spec = confluenceSource(env, request.source);
      const store = requireObjects(objects);
      const repo = await env.openRepository(request.repository);
      const level = env.compressionLevel?.(request.repository);
      const plan = await readPlan(store, request.run);
      const result = await env.gate.with(
        [request.repository],
        false,
        () =>
          spec.backupPart(
            {
              tags: [],
              ...(level === undefined ? {} : { compressionLevel: level }),
              plan,
              time: request.run.time,
              index: request.index,
            },
            { repo, clock: env.clock, signal: ctx.signal, onProgress: heartbeater(ctx, env.clock) },
          ),
        ctx.signal,
      );
      const resultKey = `${request.run.resultsPrefix}/parts/${request.index}.json`;
      await store.put(request.run.bucket, resultKey, JSON.stringify(result));
      return {
        resultKey,
        index: request.index,
        items: result.counts.items,
        missing: result.missing.length,
      } as unknown as Json;
    });
}

export function commitPartsTask(env: PlanEnvironment, objects: (() => ObjectStore) | undefined) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(CommitPartsInput, input, ctx);
      const spec = confluenceSource(env, request.source);
      const store = requireObjects(objects);
      const repo = await env.openRepository(request.repository);
      const plan = await readPlan(store, request.run);
      // One snapshot per run, wherever the commit is retried (a retry on Step Functions is a new task with a new
      // token): the run is its plan, once the plan is proven this repository's and this run's.
      openPlan(repo, plan, request.run.time);
      const runCtx = { ...ctx, idempotencyKey: plan.seal };
      const output = await oncePerRun(env, runCtx, request, repo, spec.type, async (tags) => {
        const parts = await readPartResults(store, request.results.ResultWriterDetails);
        return spec.commitParts(
          { tags, ...(env.host ? { host: env.host } : {}), time: request.run.time, plan, parts },
          { repo, clock: env.clock, signal: ctx.signal },
        );
      });
      return output as unknown as Json;
    });
}

/**
 * The most a run file may hold: far more than a plan or a part's result of a real site needs (a result lists what
 * the part could not read), little enough that whoever can write the bucket cannot exhaust a task's memory.
 */
const RUN_FILE_MAX_BYTES = 256 * 1024 * 1024;

/** A file of the run, refused when larger than any run writes. */
function readRunFile(store: ObjectStore, bucket: string, key: string): Promise<string> {
  return store.getText(bucket, key, RUN_FILE_MAX_BYTES);
}

/** The run's plan as the plan task wrote it (sealed: the operations open it). */
async function readPlan(
  store: ObjectStore,
  run: { bucket: string; planKey: string },
): Promise<Sealed<FanOutPlan>> {
  return JSON.parse(await readRunFile(store, run.bucket, run.planKey)) as Sealed<FanOutPlan>;
}

/**
 * The parts' results from the files a distributed Map's ResultWriter wrote (its manifest names them). A part that
 * failed is refused by name: the Map fails on it unless told to tolerate failures, and no snapshot may lack one.
 */
async function readPartResults(
  store: ObjectStore,
  manifestAt: { Bucket: string; Key: string },
): Promise<Sealed<PartResult>[]> {
  const manifest = JSON.parse(await readRunFile(store, manifestAt.Bucket, manifestAt.Key)) as {
    ResultFiles?: Record<string, { Key: string }[]>;
  };
  const files = manifest.ResultFiles ?? {};
  const failed = [...(files.FAILED ?? []), ...(files.PENDING ?? [])];
  if (failed.length > 0)
    throw new StepvaultError(
      'partial',
      `some parts of the backup did not succeed (see ${failed[0]!.Key}): no snapshot was written`,
      { hint: 'run the backup again; the parts that succeeded left their data for it to reuse' },
    );
  const parts: Sealed<PartResult>[] = [];
  for (const file of files.SUCCEEDED ?? []) {
    const text = await readRunFile(store, manifestAt.Bucket, file.Key);
    const entries = file.Key.endsWith('.jsonl')
      ? text
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as { Output: string })
      : (JSON.parse(text) as { Output: string }[]);
    for (const entry of entries) {
      const output = JSON.parse(entry.Output) as { resultKey?: unknown };
      if (typeof output.resultKey !== 'string')
        throw new StepvaultError('corrupt', `a part's output in ${file.Key} names no result`, {
          hint: 'the run bucket was changed, or a different workflow wrote there; run the backup again',
        });
      const parsed = partResultSchema.safeParse(
        JSON.parse(await readRunFile(store, manifestAt.Bucket, output.resultKey)),
      );
      if (!parsed.success)
        throw new StepvaultError('corrupt', `${output.resultKey} is not a result a backup part writes`, {
          hint: 'the run bucket was changed, or a different workflow wrote there; run the backup again',
        });
      parts.push(parsed.data as unknown as Sealed<PartResult>);
    }
  }
  return parts;
}
