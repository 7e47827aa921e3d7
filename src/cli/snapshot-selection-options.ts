// The --host / --tag / --path options that choose snapshots (`snapshots`, `copy`, `restore-test`): declared
// with the same words everywhere, and turned into a SnapshotFilter (domain/snapshot.ts).

import type { Command } from 'commander';
import type { SnapshotFilter } from '../domain/snapshot.ts';
import { collect } from './option-parsers.ts';

export interface SnapshotSelectionOptions {
  host?: string[];
  tag?: string[];
  path?: string[];
}

/** Adds --host, --tag and --path to a command. */
export function addSnapshotSelectionOptions(command: Command): Command {
  return command
    .option('-H, --host <host>', 'only snapshots of this host (repeatable)', collect)
    .option(
      '--tag <tags>',
      'only snapshots with these tags (comma-separated: all of them; repeatable: any)',
      collect,
    )
    .option('--path <path>', 'only snapshots that include this path (repeatable)', collect);
}

/** The selection the options name (options not given select everything). */
export function snapshotSelection(opts: SnapshotSelectionOptions): SnapshotFilter {
  return {
    ...(opts.host ? { hosts: opts.host } : {}),
    ...(opts.tag ? { tags: opts.tag } : {}),
    ...(opts.path ? { paths: opts.path } : {}),
  };
}
