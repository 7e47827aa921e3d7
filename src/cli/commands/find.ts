// `stepvault find PATTERN...`: finds files by name or path in snapshots.

import type { Command } from 'commander';
import picomatch from 'picomatch';
import { formatBytes } from '../../common/bytes.ts';
import { shortId } from '../../domain/snapshot.ts';
import { openReader } from '../../operations/browse/open-snapshot.ts';
import { resolveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import { walkTree } from '../../repository/tree/tree-walk.ts';
import { action } from '../context.ts';
import { collect } from '../option-parsers.ts';
import { localTime } from '../output/format.ts';

export function register(program: Command): void {
  program
    .command('find')
    .description('find files whose name (or, for patterns with "/", whose path) matches a glob')
    .argument('<patterns...>', 'glob patterns, e.g. "*.pdf" or "/home/*/notes.txt"')
    .option('-s, --snapshot <id>', 'search only this snapshot (repeatable; default: all)', collect)
    .option('-i, --ignore-case', 'match without regard to case')
    .action(
      action(async (ctx, patterns: string[], opts: { snapshot?: string[]; ignoreCase?: boolean }) => {
        const repo = await ctx.openRepository();
        const { reader, snapshots } = await openReader(repo);
        const chosen = opts.snapshot
          ? opts.snapshot.map((ref) => resolveSnapshot(snapshots, ref))
          : snapshots;
        const matchers = patterns.map((p) => {
          const match = picomatch(p.includes('/') ? p : `**/${p}`, {
            dot: true,
            nocase: opts.ignoreCase ?? false,
          });
          return (path: string) => match(path);
        });
        let found = 0;
        for (const snapshot of chosen) {
          for await (const { path, node } of walkTree(reader, snapshot.tree)) {
            if (!matchers.some((m) => m(path))) continue;
            found++;
            ctx.out.item(
              'match',
              { snapshot: snapshot.id, path, type: node.type, size: node.size ?? 0 },
              `${shortId(snapshot.id)}  ${localTime(snapshot.time)}  ${node.type === 'dir' ? 'dir ' : formatBytes(node.size ?? 0).padStart(10)}  ${path}`,
            );
          }
        }
        ctx.out.message('summary', { matches: found, snapshots_searched: chosen.length });
        if (found === 0) ctx.out.line('no matches');
        return 0;
      }),
    );
}
