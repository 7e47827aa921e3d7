// The snapshot's users directory (users.json): every account id the backup stored a reference to — and every one
// the parent's directory had, for what was carried over from it — with the name the site gives it. Names are
// asked for in bulk: all of them when the sweep reads the complete listings (names change), otherwise only for
// accounts the parent's directory does not have. Names the site would not give are named as missing (the backup
// is partial); an account the site no longer knows keeps the name it had, or none.

import type { UsersFile } from '../../../sources/confluence/layout.ts';
import type { ArchiveRun } from './archive-run.ts';
import { errorText } from './item-archiver.ts';

type DirectoryEntry = UsersFile['users'][number];

export async function usersDirectory(run: ArchiveRun, refresh: boolean): Promise<UsersFile> {
  const known = new Map<string, DirectoryEntry>();
  for (const entry of run.parent ? await run.parent.reader.users() : []) known.set(entry.accountId, entry);
  run.accounts.add(known.keys());
  const ids = run.accounts.ids();
  // Accounts the parent could not name are asked for again.
  const ask = refresh ? ids : ids.filter((id) => known.get(id)?.displayName === undefined);
  if (ask.length > 0) {
    try {
      const answered = new Map<string, DirectoryEntry>();
      for (const user of await run.api.getUsers(ask, run.signal ? { signal: run.signal } : {})) {
        const name = user.displayName ?? user.publicName ?? undefined;
        answered.set(user.accountId, {
          accountId: user.accountId,
          ...(name ? { displayName: name } : {}),
          ...(user.accountType ? { accountType: user.accountType } : {}),
        });
      }
      // An account the site no longer answers for keeps the name it had.
      for (const id of ask) known.set(id, answered.get(id) ?? known.get(id) ?? { accountId: id });
    } catch (error) {
      run.signal?.throwIfAborted();
      run.miss({
        path: 'users.json',
        error: `the names of ${ask.length} accounts could not be read (${errorText(error)}); their ids are kept`,
      });
    }
  }
  return { users: ids.map((id) => known.get(id) ?? { accountId: id }) };
}
