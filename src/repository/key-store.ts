// The key slots of a repository in storage: unlocking with a password, adding, listing and removing slots.

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
}

export interface UnlockedKey {
  secret: Buffer;
  /** The slot that the password opened. */
  slot: string;
}

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
  const corrupt: StepvaultError[] = [];
  for (const name of names) {
    let file: KeyFile;
    try {
      file = parseKeyFile(name, await backend.load('keys', name));
    } catch (e) {
      if (e instanceof StepvaultError && (e.code === 'corrupt' || e.code === 'not-found')) {
        corrupt.push(e);
        continue;
      }
      throw e;
    }
    const secret = await openKeySlot(file, password);
    if (secret) return { secret, slot: name };
  }
  if (corrupt.length === names.length) throw corrupt[0]!;
  throw new StepvaultError('wrong-password', 'wrong password or no key slot matches it', {
    hint:
      corrupt.length > 0
        ? `${corrupt.length} key file(s) are corrupt (${corrupt[0]!.message}); try another password`
        : 'check the password (STEPVAULT_PASSWORD_FILE, STEPVAULT_PASSWORD_COMMAND or --password-file)',
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

export async function listKeySlots(backend: Backend): Promise<KeySlotInfo[]> {
  const out: KeySlotInfo[] = [];
  for await (const info of backend.list('keys')) {
    const file = parseKeyFile(info.name, await backend.load('keys', info.name));
    const k = file.kdf;
    out.push({
      name: info.name,
      created: file.created,
      host: file.host,
      username: file.username,
      kdf: `${k.algorithm} m=${k.memoryKiB}KiB t=${k.passes} p=${k.parallelism}`,
    });
  }
  return out.sort((a, b) => a.created.localeCompare(b.created));
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
