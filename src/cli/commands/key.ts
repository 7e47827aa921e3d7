// `stepvault key list|add|remove|passwd`: manages the passwords (key slots) that open the repository.

import type { Command } from 'commander';
import { StepvaultError } from '../../common/errors.ts';
import { addKeySlot, listKeySlots, removeKeySlot } from '../../repository/key-store.ts';
import { RepositoryLock } from '../../repository/lock/lock.ts';
import type { Repository } from '../../repository/repository.ts';
import { action, type CommandContext } from '../context.ts';
import { localTime, table } from '../output/format.ts';
import { fromFile, readPassword } from '../password.ts';

async function newPassword(ctx: CommandContext, file: string | undefined): Promise<string> {
  if (file) return fromFile(file);
  if (!(process.stdin.isTTY && process.stderr.isTTY)) {
    throw new StepvaultError('usage', 'no new password given', { hint: 'use --new-password-file FILE' });
  }
  const first = await readPassword({}, 'new password: ', {});
  const second = await readPassword({}, 'repeat new password: ', {});
  if (first !== second) throw new StepvaultError('usage', 'the passwords do not match');
  void ctx;
  return first;
}

async function resolveSlot(repo: Repository, ref: string): Promise<string> {
  const slots = (await listKeySlots(repo.backend)).filter((k) => k.name.startsWith(ref));
  if (slots.length !== 1) {
    throw new StepvaultError(
      slots.length === 0 ? 'not-found' : 'usage',
      `key "${ref}" ${slots.length === 0 ? 'does not exist' : 'is ambiguous'}`,
      {
        hint: 'see `stepvault key list`',
      },
    );
  }
  return slots[0]!.name;
}

export function register(program: Command): void {
  const key = program.command('key').description('manage the passwords that open the repository');
  key
    .command('list')
    .description('list key slots')
    .action(
      action(async (ctx) => {
        const repo = await ctx.openRepository();
        const slots = await listKeySlots(repo.backend);
        if (ctx.out.json) {
          for (const s of slots) ctx.out.message('key', { ...s, current: s.name === repo.keySlot });
          return 0;
        }
        const rows = slots.map((s) =>
          s.damaged
            ? [` ${s.name.slice(0, 8)}`, '', '', '', 'damaged']
            : [
                `${s.name === repo.keySlot ? '*' : ' '}${s.name.slice(0, 8)}`,
                s.username,
                s.host,
                localTime(s.created),
                s.kdf,
              ],
        );
        for (const line of table([' ID', 'User', 'Host', 'Created', 'KDF'], rows)) ctx.out.line(line);
        for (const s of slots) if (s.damaged) ctx.out.warn(s.damaged, { item: `keys/${s.name}` });
        return 0;
      }),
    );
  key
    .command('add')
    .description('add a password (a new key slot); no data is rewritten')
    .option('--new-password-file <file>', 'read the new password from a file')
    .action(
      action(async (ctx, opts: { newPasswordFile?: string }) => {
        const repo = await ctx.openRepository();
        const name = await addKeySlot(
          repo.backend,
          repo.masterSecret,
          await newPassword(ctx, opts.newPasswordFile),
        );
        ctx.out.item('key_added', { id: name }, `added key ${name.slice(0, 8)}`);
        return 0;
      }),
    );
  key
    .command('remove')
    .description('remove a key slot (not the one in use)')
    .argument('<id>', 'key ID (prefix) from `stepvault key list`')
    .action(
      action(async (ctx, ref: string) => {
        const repo = await ctx.openRepository();
        const lock = await RepositoryLock.acquire(repo, { exclusive: true, purpose: 'key remove' });
        try {
          const name = await resolveSlot(repo, ref);
          await removeKeySlot(repo.backend, name, repo.keySlot);
          ctx.out.item('key_removed', { id: name }, `removed key ${name.slice(0, 8)}`);
        } finally {
          await lock.release();
        }
        return 0;
      }),
    );
  key
    .command('passwd')
    .description('change the password of the key in use (adds a new slot, then removes the old one)')
    .option('--new-password-file <file>', 'read the new password from a file')
    .action(
      action(async (ctx, opts: { newPasswordFile?: string }) => {
        const repo = await ctx.openRepository();
        const password = await newPassword(ctx, opts.newPasswordFile);
        const lock = await RepositoryLock.acquire(repo, { exclusive: true, purpose: 'key passwd' });
        try {
          const name = await addKeySlot(repo.backend, repo.masterSecret, password);
          await repo.backend.remove('keys', repo.keySlot);
          ctx.out.item(
            'key_changed',
            { id: name, removed: repo.keySlot },
            `password changed: key ${repo.keySlot.slice(0, 8)} replaced by ${name.slice(0, 8)}`,
          );
        } finally {
          await lock.release();
        }
        return 0;
      }),
    );
}
