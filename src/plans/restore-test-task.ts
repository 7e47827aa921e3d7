// `${RestoreTestTask}`: restores a snapshot (the one the pick chose) into a fresh scratch
// directory under the environment's, compares every restored file with what the snapshot recorded (content
// re-hashed with the repository's blob-ID key, size, mode, time), removes the scratch copy, and reports. A
// mismatch is a result (`ok: false`, the first mismatches named), not a task failure: the workflow decides.
// `compare: sample` checks a random sample of the files (`sample`, default 10%), drawn from the idempotency
// key so a re-run checks the same files. Read-only on the repository: safe to re-run.

import { z } from 'zod';
import { StepvaultError } from '../common/errors.ts';
import { seededRandom } from '../operations/verify/pick-snapshot.ts';
import { restoreTest } from '../operations/verify/restore-test.ts';
import type { Json } from '../workflows/asl/json.ts';
import type { TaskContext } from '../workflows/engine/task-registry.ts';
import type { PlanEnvironment } from './plan-environment.ts';
import { asTask } from './task-errors.ts';
import { heartbeater, parseTaskInput } from './task-input.ts';

export const RestoreTestInput = z
  .object({
    repository: z.string().min(1),
    snapshotId: z.string().regex(/^[0-9a-f]{64}$/),
    compare: z.enum(['all', 'sample']).default('all'),
    sample: z.string().min(1).nullable().default(null),
  })
  .strict();

const DEFAULT_SAMPLE_PERCENT = 10;

export function restoreTestTask(env: PlanEnvironment) {
  return (input: Json, ctx: TaskContext): Promise<Json> =>
    asTask(async () => {
      const request = parseTaskInput(RestoreTestInput, input, ctx);
      const percent = request.compare === 'sample' ? samplePercent(request.sample) : undefined;
      const repo = await env.openRepository(request.repository);
      const onProgress = heartbeater(ctx, env.clock);
      const report = await env.gate.with(
        [request.repository],
        false,
        () =>
          restoreTest(
            {
              snapshot: request.snapshotId,
              scratchParent: env.scratchDir,
              ...(percent !== undefined ? { sample: { percent } } : {}),
            },
            {
              repo,
              clock: env.clock,
              signal: ctx.signal,
              random: seededRandom(ctx.idempotencyKey),
              onProgress,
            },
          ),
        ctx.signal,
      );
      const shown = report.mismatches.slice(0, 5).map((m) => `${m.path}: ${m.problem}`);
      const more = report.mismatches.length > 5 ? `; and ${report.mismatches.length - 5} more` : '';
      return {
        ok: report.passed,
        snapshotId: report.snapshotId,
        sampled: report.sampled,
        filesChecked: report.filesChecked,
        bytesChecked: report.bytesChecked,
        mismatches: report.mismatches.length,
        firstMismatches: shown,
        warnings: report.warnings.length,
        message: report.passed
          ? `snapshot ${report.snapshotId.slice(0, 8)} restored and matches: ${report.filesChecked} files, ${report.bytesChecked} bytes checked`
          : `snapshot ${report.snapshotId.slice(0, 8)} did not restore as recorded: ${shown.join('; ')}${more}`,
      };
    });
}

function samplePercent(text: string | null): number {
  if (text === null) return DEFAULT_SAMPLE_PERCENT;
  const m = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  const p = m ? Number(m[1]) : Number.NaN;
  if (!(p > 0 && p <= 100)) {
    throw new StepvaultError('usage', `invalid restore test sample ${JSON.stringify(text)}`, {
      hint: 'give a percentage of the files, e.g. "10%"',
    });
  }
  return p;
}
