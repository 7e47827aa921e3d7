// `stepvault restore-test [latest|random|SNAPSHOT]`: restores a snapshot (or a sample of its files) into a
// scratch directory and checks it against what the snapshot records; exit code 1 when anything differs.

import type { Command } from 'commander';
import { formatBytes, formatDuration, parseSize } from '../../common/bytes.ts';
import { StepvaultError } from '../../common/errors.ts';
import { parseCalendarDuration } from '../../domain/duration.ts';
import { shortId } from '../../domain/snapshot.ts';
import { type SampleChoice, seededRandom } from '../../operations/verify/pick-snapshot.ts';
import { restoreTest } from '../../operations/verify/restore-test.ts';
import { action } from '../context.ts';
import { progressLine } from '../output/format.ts';
import {
  addSnapshotSelectionOptions,
  type SnapshotSelectionOptions,
  snapshotSelection,
} from '../snapshot-selection-options.ts';

interface RestoreTestOptions extends SnapshotSelectionOptions {
  within?: string;
  sample?: string;
  maxBytes?: string;
  compareSource?: boolean;
  scratch?: string;
  keep?: boolean;
  seed?: string;
}

export function register(program: Command): void {
  const command = program
    .command('restore-test')
    .description('restore a snapshot (or a sample of its files) into a scratch directory and verify it')
    .argument('[snapshot]', '"latest", "random", or a snapshot ID', 'latest')
    .option('--within <duration>', 'with latest/random: only snapshots of the last 30d, 12h, 1y6m …');
  addSnapshotSelectionOptions(command)
    .option('--sample <percent>', 'check a random sample of this share of the files, e.g. 5%')
    .option('--max-bytes <size>', 'check random files adding up to at most this much, e.g. 2GiB')
    .option('--compare-source', 'files snapshots: also report live files that changed since (not a failure)')
    .option(
      '--scratch <dir>',
      'make the scratch directory in this directory (default: the system temp directory)',
    )
    .option('--keep', 'keep the scratch directory (its path is printed)')
    .option('--seed <text>', 'make the random choices repeatable')
    .action(
      action(async (ctx, snapshot: string, opts: RestoreTestOptions) => {
        const sample = parseSample(opts);
        const within = opts.within !== undefined ? parseWithin(opts.within) : undefined;
        // A proof that the store restores: nothing from the client's cache of small objects.
        const repo = await ctx.openRepository({ objectCache: false });
        const started = Date.now();
        const report = await restoreTest(
          {
            snapshot,
            ...(within ? { within } : {}),
            ...snapshotSelection(opts),
            ...(sample ? { sample } : {}),
            compareSource: opts.compareSource ?? false,
            ...(opts.scratch ? { scratchParent: opts.scratch } : {}),
            keep: opts.keep ?? false,
          },
          {
            repo,
            signal: ctx.signal,
            ...(opts.seed !== undefined ? { random: seededRandom(opts.seed) } : {}),
            onProgress: (p) =>
              ctx.out.status(() => ({
                text: `${p.phase === 'restore' ? 'restoring' : 'comparing'} ${progressLine({ elapsedMs: Date.now() - started, bytes: p.bytesDone, totalBytes: p.totalBytes })}`,
                fields: {
                  phase: p.phase,
                  seconds_elapsed: Math.round((Date.now() - started) / 1000),
                  bytes_done: p.bytesDone,
                  total_bytes: p.totalBytes,
                  percent_done: p.totalBytes ? p.bytesDone / p.totalBytes : 1,
                },
              })),
          },
        );
        for (const w of report.warnings) ctx.out.warn(w);
        for (const m of report.mismatches)
          ctx.out.item('mismatch', { path: m.path, problem: m.problem }, `mismatch: ${m.path}: ${m.problem}`);
        for (const c of report.sourceChanges)
          ctx.out.item('source_change', { path: c.path, change: c.change }, `source: ${c.path} ${c.change}`);
        ctx.out.message('summary', {
          snapshot_id: report.snapshotId,
          snapshot_time: report.snapshotTime,
          source_type: report.sourceType,
          candidates: report.candidates,
          sampled: report.sampled,
          files_in_snapshot: report.filesInSnapshot,
          bytes_in_snapshot: report.bytesInSnapshot,
          files_checked: report.filesChecked,
          bytes_checked: report.bytesChecked,
          mismatches: report.mismatches.length,
          source_changes: report.sourceChanges.length,
          passed: report.passed,
          ...(report.scratch ? { scratch: report.scratch } : {}),
          total_duration: report.durationMs / 1000,
        });
        ctx.out.line(
          `snapshot ${shortId(report.snapshotId)} of ${report.snapshotTime}${report.candidates > 1 ? ` (picked among ${report.candidates})` : ''}: checked ${report.filesChecked}${report.sampled ? ` of ${report.filesInSnapshot}` : ''} files, ${formatBytes(report.bytesChecked)} in ${formatDuration(report.durationMs)}`,
        );
        if (report.sourceChanges.length > 0)
          ctx.out.line(
            `${report.sourceChanges.length} live files changed since the snapshot (listed above; not a failure)`,
          );
        if (report.scratch) ctx.out.line(`restored files kept in ${report.scratch}`);
        if (!report.passed) {
          throw new StepvaultError(
            'corrupt',
            `the restore test failed: ${report.mismatches.length} mismatch(es)`,
            {
              hint: 'the mismatches above name the files; run `stepvault check --read-data` to find the damage',
            },
          );
        }
        ctx.out.line('the restore test passed');
        return 0;
      }),
    );
}

function parseSample(opts: RestoreTestOptions): SampleChoice | undefined {
  const sample: SampleChoice = {};
  if (opts.sample !== undefined) {
    const match = /^(\d+(?:\.\d+)?)%$/.exec(opts.sample.trim());
    const percent = match ? Number(match[1]) : Number.NaN;
    if (!(percent > 0 && percent <= 100)) {
      throw new StepvaultError('usage', `invalid --sample "${opts.sample}"`, {
        hint: 'give a percentage of the files above 0 and at most 100, e.g. 5%',
      });
    }
    sample.percent = percent;
  }
  if (opts.maxBytes !== undefined) sample.maxBytes = parseSize(opts.maxBytes);
  return sample.percent !== undefined || sample.maxBytes !== undefined ? sample : undefined;
}

function parseWithin(text: string) {
  const duration = parseCalendarDuration(text);
  if (duration.years + duration.months + duration.days + duration.hours === 0) {
    throw new StepvaultError('usage', `--within ${text} is an empty window`, {
      hint: 'give e.g. 30d or 1y6m',
    });
  }
  return duration;
}
