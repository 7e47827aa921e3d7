// `stepvault ls SNAPSHOT[:PATH]`: lists the files in a snapshot.

import type { Command } from 'commander';
import { formatBytes } from '../../common/bytes.ts';
import type { TreeNode } from '../../domain/tree-node.ts';
import { openSnapshot } from '../../operations/browse/open-snapshot.ts';
import { walkTree } from '../../repository/tree/tree-walk.ts';
import { nsToSeconds } from '../../sources/files/restore-metadata.ts';
import { action } from '../context.ts';
import { localTime } from '../output/format.ts';

const TYPE_CHAR: Record<TreeNode['type'], string> = {
  file: '-',
  dir: 'd',
  symlink: 'l',
  fifo: 'p',
  chardev: 'c',
  blockdev: 'b',
  socket: 's',
};

export function modeString(node: TreeNode): string {
  const rwx = (bits: number) => `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
  return TYPE_CHAR[node.type] + rwx(node.mode >> 6) + rwx(node.mode >> 3) + rwx(node.mode);
}

export function register(program: Command): void {
  program
    .command('ls')
    .description('list the files in a snapshot (recursively), or in a directory of it given as ID:/path')
    .argument('<snapshot>', '"latest" or a snapshot ID, optionally followed by :/path/in/snapshot')
    .option('-l, --long', 'show mode, owner, size and modification time')
    .option('--no-recursive', 'list only the directory itself, not its subdirectories')
    .action(
      action(async (ctx, ref: string, opts: { long?: boolean; recursive: boolean }) => {
        const repo = await ctx.openRepository();
        const opened = await openSnapshot(repo, ref);
        ctx.out.message('snapshot', {
          id: opened.snapshot.id,
          time: opened.snapshot.time,
          paths: opened.snapshot.paths,
          host: opened.snapshot.host,
        });
        for await (const { path, node } of walkTree(
          opened.reader,
          opened.tree,
          opened.path,
          () => opts.recursive,
        )) {
          const mtime = new Date(nsToSeconds(node.mtime) * 1000).toISOString();
          const fields = {
            name: node.name,
            type: node.type,
            path,
            size: node.size,
            mode: node.mode,
            uid: node.uid,
            gid: node.gid,
            mtime,
            ...(node.target ? { target: node.target } : {}),
          };
          const text = opts.long
            ? `${modeString(node)} ${String(node.uid).padStart(5)} ${String(node.gid).padStart(5)} ${formatBytes(node.size ?? 0).padStart(10)} ${localTime(mtime)} ${path}${node.target ? ` -> ${node.target}` : ''}`
            : path;
          ctx.out.item('node', fields, text);
        }
        return 0;
      }),
    );
}
