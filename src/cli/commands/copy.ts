// `stepvault copy --from-repo SRC [SNAPSHOT…]`: copies snapshots from another repository into this one (-r),
// skipping those already copied.

import type { Command } from 'commander';
import { formatBytes, formatDuration } from '../../common/bytes.ts';
import { shortId } from '../../domain/snapshot.ts';
import { copySnapshots } from '../../operations/copy/copy-snapshots.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import {
  addFromRepositoryOptions,
  type FromRepositoryOptions,
  openFromRepository,
} from '../from-repository.ts';
import { integer } from '../option-parsers.ts';
import { progressLine } from '../output/format.ts';
import { storageSummary } from '../output/storage-summary.ts';
import {
  addSnapshotSelectionOptions,
  type SnapshotSelectionOptions,
  snapshotSelection,
} from '../snapshot-selection-options.ts';

interface CopyOptions extends FromRepositoryOptions, SnapshotSelectionOptions {
  compression?: number;
}

export function register(program: Command): void {
  const command = program
    .command('copy')
    .description('copy snapshots from another repository (--from-repo) into this one (--repo)')
    .argument(
      '[snapshots...]',
      'snapshot IDs or "latest" (default: every snapshot that matches the filters)',
    );
  addSnapshotSelectionOptions(addFromRepositoryOptions(command, 'the repository to copy from'))
    .option(
      '--compression <level>',
      'zstd level 0-19 for content that is re-chunked (0: none)',
      integer('--compression', 0, 19),
      3,
    )
    .action(
      action(async (ctx, snapshots: string[], opts: CopyOptions) => {
        const source = await openFromRepository(opts);
        const destination = await ctx.openRepository();
        const started = Date.now();
        const result = await copySnapshots(
          {
            snapshots,
            ...snapshotSelection(opts),
            ...(opts.compression !== undefined ? { compressionLevel: opts.compression } : {}),
          },
          {
            source,
            destination,
            signal: ctx.signal,
            onProgress: (p) =>
              ctx.out.status(() => ({
                text: `${progressLine({ elapsedMs: Date.now() - started, files: p.files, bytes: p.bytes })} snapshot ${Math.min(p.snapshotsDone + 1, p.snapshotsTotal)}/${p.snapshotsTotal} (${shortId(p.current)})`,
                fields: {
                  seconds_elapsed: Math.round((Date.now() - started) / 1000),
                  snapshots_done: p.snapshotsDone,
                  total_snapshots: p.snapshotsTotal,
                  current_snapshot: p.current,
                  files_done: p.files,
                  bytes_done: p.bytes,
                  bytes_stored: p.bytesStored,
                },
              })),
            onCopied: (c) =>
              ctx.out.item(
                'copied',
                {
                  source_snapshot: c.source,
                  snapshot_id: c.copy,
                  time: c.time,
                  host: c.host,
                  paths: c.paths,
                },
                `snapshot ${shortId(c.source)} of [${c.paths.join(' ')}] at ${c.time} copied as ${shortId(c.copy)}`,
              ),
          },
        );
        for (const w of result.warnings) ctx.out.warn(w);
        for (const f of result.failed)
          ctx.out.warn(`snapshot ${shortId(f.source)} not copied: ${f.error}`, { item: f.source });
        const storage = storageSummary(destination.backend, source.backend);
        ctx.out.message('summary', {
          mode: result.mode,
          snapshots_selected: result.selected,
          snapshots_copied: result.copied.length,
          snapshots_skipped: result.skipped.length,
          snapshots_failed: result.failed.length,
          files_copied: result.filesCopied,
          bytes_copied: result.bytesCopied,
          entries_reused: result.entriesReused,
          data_added: result.dataAdded,
          data_added_packed: result.dataAddedPacked,
          tree_blobs: result.treeBlobs,
          packs_written: result.packsWritten,
          adopted_packs: result.adoptedPacks,
          verified_snapshots: result.verified.snapshots,
          verified_trees: result.verified.trees,
          verified_data_blobs: result.verified.dataBlobs,
          verified_packs: result.verified.packs,
          verified_sampled_blobs: result.verified.sampledBlobs,
          ...(result.bytesUploaded !== undefined ? { bytes_uploaded: result.bytesUploaded } : {}),
          total_duration: result.durationMs / 1000,
          ...storage.fields,
        });
        if (result.skipped.length > 0)
          ctx.out.line(
            `${result.skipped.length} of ${result.selected} snapshots are already in this repository`,
          );
        ctx.out.line(
          `copied ${result.copied.length} snapshots (${result.mode === 'as-stored' ? 'blobs as stored' : 'content re-chunked'}): ${result.filesCopied} files read, ${formatBytes(result.dataAdded)} added (${formatBytes(result.dataAddedPacked)} stored) in ${formatDuration(result.durationMs)}`,
        );
        if (result.verified.snapshots > 0) {
          const v = result.verified;
          ctx.out.line(
            `verified before committing: ${v.trees} trees read back, ${v.dataBlobs} data blob references indexed, ${v.packs} packs stored at their size, ${v.sampledBlobs} blobs read back`,
          );
        }
        if (result.adoptedPacks > 0)
          ctx.out.line(`${result.adoptedPacks} packs left by an interrupted run were reused`);
        for (const line of storage.lines) ctx.out.line(line);
        if (result.failed.length > 0) {
          ctx.out.line(`${result.failed.length} snapshots could not be copied (see above)`);
          return EXIT.partial;
        }
        return EXIT.ok;
      }),
    );
}
