// The key slots of a repository in storage: unlocking with a password, adding, listing and removing slots.
// A key file is named by the SHA-256 of its bytes, so a damaged one (a flipped bit in its wrapped key, a changed
// KDF parameter, a truncation) is told apart from a slot of another password before any decryption: when the
// password opens no intact slot and some are damaged, the repository is reported damaged, naming those files,
// never as a wrong password (the password may well be right: for a damaged slot no one can tell).

import * as os from 'node:os';
import { StepvaultError } from '../common/errors.ts';
import type { Backend } from '../storage/contract.ts';
import {
  createKeySlot,
  DEFAULT_KDF,
  type KdfParams,
  type KeyFile,
  openKeySlot,
  parseKeyFile,
} from './crypto/key-slot.ts';

export interface KeySlotInfo {
  name: string;
  created: string;
  host: string;
  username: string;
  kdf: string;
  /** Why the key file cannot be used (its content does not match its name, …); the other fields are then empty. */
  damaged?: string;
}

export interface UnlockedKey {
  secret: Buffer;
  /** The slot that the password opened. */
  slot: string;
}

/**
 * Opens the master secret with `password`, trying the slot whose name starts with `hint` first. Fails with
 * `wrong-password` when every key file is intact and none fits, and with `corrupt`, naming the damaged key files,
 * when the password fits no intact slot and some are damaged.
 */
export async function unlockRepository(
  backend: Backend,
  password: string,
  hint?: string,
): Promise<UnlockedKey> {
  const names: string[] = [];
  for await (const info of backend.list('keys')) names.push(info.name);
  if (hint) names.sort((a, b) => Number(b.startsWith(hint)) - Number(a.startsWith(hint)));
  if (names.length === 0) {
    throw new StepvaultError('corrupt', `the repository at ${backend.location} has no key files`, {
      hint: 'the keys/ directory was emptied: without a key the data cannot be decrypted',
    });
  }
  const damaged: { name: string; error: StepvaultError }[] = [];
  for (const name of names) {
    let file: KeyFile;
    try {
      file = parseKeyFile(name, await backend.load('keys', name));
    } catch (e) {
      if (e instanceof StepvaultError && (e.code === 'corrupt' || e.code === 'not-found')) {
        damaged.push({ name, error: e });
        continue;
      }
      throw e;
    }
    const secret = await openKeySlot(file, password);
    if (secret) return { secret, slot: name };
  }
  if (damaged.length > 0) throw damagedKeysError(damaged, names.length);
  throw new StepvaultError('wrong-password', 'wrong password or no key slot matches it', {
    hint: 'check the password (STEPVAULT_PASSWORD_FILE, STEPVAULT_PASSWORD_COMMAND or --password-file)',
  });
}

/** The error for a password that fits no intact slot while the `damaged` ones (of `total`) cannot be tried. */
function damagedKeysError(damaged: { name: string; error: StepvaultError }[], total: number): StepvaultError {
  const what = damaged.map((d) => d.error.message).join('; ');
  const one = damaged.length === 1;
  if (damaged.length === total) {
    return new StepvaultError('corrupt', `${what}; the repository has no intact key file`, {
      hint: `restore ${one ? 'the key file' : 'the key files'} from a copy of the repository: without an intact key the data cannot be decrypted`,
      cause: damaged[0]!.error,
    });
  }
  return new StepvaultError('corrupt', `the password matched no intact key slot, and ${what}`, {
    hint:
      `if the password is right, its slot is ${one ? 'the damaged one' : 'one of the damaged ones'}: open the repository with the ` +
      `password of another key slot and replace ${one ? 'it' : 'them'} (\`stepvault key list\`, \`key remove\`, \`key add\`), or restore ` +
      `${one ? 'the key file' : 'the key files'} from a copy of the repository; otherwise check the password`,
    cause: damaged[0]!.error,
  });
}

export async function addKeySlot(
  backend: Backend,
  secret: Uint8Array,
  password: string,
  options: { host?: string; username?: string; now?: Date; kdf?: KdfParams } = {},
): Promise<string> {
  const slot = await createKeySlot(
    secret,
    password,
    {
      host: options.host ?? os.hostname(),
      username: options.username ?? os.userInfo().username,
      created: options.now ?? new Date(),
    },
    options.kdf ?? DEFAULT_KDF,
  );
  await backend.save('keys', slot.name, slot.bytes);
  return slot.name;
}

/** Every key slot, damaged ones included (marked, listed last), oldest first. */
export async function listKeySlots(backend: Backend): Promise<KeySlotInfo[]> {
  const out: KeySlotInfo[] = [];
  for await (const info of backend.list('keys')) {
    let file: KeyFile;
    try {
      file = parseKeyFile(info.name, await backend.load('keys', info.name));
    } catch (e) {
      if (!(e instanceof StepvaultError && (e.code === 'corrupt' || e.code === 'not-found'))) throw e;
      out.push({ name: info.name, created: '', host: '', username: '', kdf: '', damaged: e.message });
      continue;
    }
    const k = file.kdf;
    out.push({
      name: info.name,
      created: file.created,
      host: file.host,
      username: file.username,
      kdf: `${k.algorithm} m=${k.memoryKiB}KiB t=${k.passes} p=${k.parallelism}`,
    });
  }
  return out.sort(
    (a, b) =>
      Number(a.damaged !== undefined) - Number(b.damaged !== undefined) || a.created.localeCompare(b.created),
  );
}

/** Removes a slot, refusing to remove the one in use or the last one. */
export async function removeKeySlot(backend: Backend, name: string, inUse: string): Promise<void> {
  if (name === inUse) {
    throw new StepvaultError('usage', `key ${name.slice(0, 8)} is the one this command unlocked with`, {
      hint: 'unlock with another key (another password) to remove this one',
    });
  }
  const all: string[] = [];
  for await (const info of backend.list('keys')) all.push(info.name);
  if (!all.includes(name))
    throw new StepvaultError('not-found', `no key ${name}`, { hint: 'see `stepvault key list`' });
  await backend.remove('keys', name);
}
