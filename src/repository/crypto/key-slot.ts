// Key slots: a key file holds the master secret wrapped (AES-256-GCM) by a key derived from a password with
// argon2id. Several slots can wrap the same secret, so adding, removing or changing a password rewrites no
// data. A key file's name is the SHA-256 of its bytes: corruption is told apart from a wrong password.

import { argon2, createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { StepvaultError } from '../../common/errors.ts';
import { MASTER_SECRET_BYTES } from './master-key.ts';

const argon2Async = promisify(argon2);
const AAD = Buffer.from('stepvault/v1/key');

export interface KdfParams {
  algorithm: 'argon2id';
  /** Memory in KiB. @default 65536 (64 MiB, RFC 9106's second recommended option) */
  memoryKiB: number;
  /** @default 3 */
  passes: number;
  /** @default 4 */
  parallelism: number;
}

export const DEFAULT_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 65536, passes: 3, parallelism: 4 };

export interface KeyFile {
  version: 1;
  created: string;
  host: string;
  username: string;
  kdf: KdfParams & { salt: string };
  nonce: string;
  wrapped: string;
}

export interface SlotOwner {
  host: string;
  username: string;
  created: Date;
}

async function deriveWrappingKey(password: string, kdf: KdfParams, salt: Buffer): Promise<Buffer> {
  return Buffer.from(
    await argon2Async('argon2id', {
      message: Buffer.from(password.normalize('NFC'), 'utf8'),
      nonce: salt,
      parallelism: kdf.parallelism,
      tagLength: 32,
      memory: kdf.memoryKiB,
      passes: kdf.passes,
    }),
  );
}

/** Wraps `secret` under `password`; returns the key file's bytes and its name. */
export async function createKeySlot(
  secret: Uint8Array,
  password: string,
  owner: SlotOwner,
  kdf: KdfParams = DEFAULT_KDF,
): Promise<{ name: string; bytes: Buffer }> {
  if (password.length === 0) {
    throw new StepvaultError('usage', 'empty passwords are not allowed', {
      hint: 'give a password with --password-file, --password-command or STEPVAULT_PASSWORD',
    });
  }
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await deriveWrappingKey(password, kdf, salt), nonce);
  cipher.setAAD(AAD);
  const wrapped = Buffer.concat([cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
  const file: KeyFile = {
    version: 1,
    created: owner.created.toISOString(),
    host: owner.host,
    username: owner.username,
    kdf: { ...kdf, salt: salt.toString('base64') },
    nonce: nonce.toString('base64'),
    wrapped: wrapped.toString('base64'),
  };
  const bytes = Buffer.from(`${JSON.stringify(file, null, 2)}\n`);
  return { name: createHash('sha256').update(bytes).digest('hex'), bytes };
}

/**
 * Parses and checks a key file's integrity (name = SHA-256 of content, well-formed JSON). A damaged file fails
 * with `corrupt` and a message `keys/<name> is damaged: <why>`.
 */
export function parseKeyFile(name: string, bytes: Uint8Array): KeyFile {
  const what = `keys/${name}`;
  if (createHash('sha256').update(bytes).digest('hex') !== name) {
    throw new StepvaultError(
      'corrupt',
      `${what} is damaged: its content does not match its name (modified, truncated or replaced)`,
      {
        hint: 'unlock with another key, then replace the slot (`stepvault key remove`, `stepvault key add`) or restore the key file from a copy of the repository',
      },
    );
  }
  let file: unknown;
  try {
    file = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new StepvaultError('corrupt', `${what} is damaged: it is not valid JSON`);
  }
  if (!isKeyFile(file)) throw new StepvaultError('corrupt', `${what} is not a version 1 key file`);
  return file;
}

/** The master secret, or undefined when the password does not fit this slot. */
export async function openKeySlot(file: KeyFile, password: string): Promise<Buffer | undefined> {
  const key = await deriveWrappingKey(password, file.kdf, Buffer.from(file.kdf.salt, 'base64'));
  const wrapped = Buffer.from(file.wrapped, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.nonce, 'base64'));
  decipher.setAAD(AAD);
  decipher.setAuthTag(wrapped.subarray(wrapped.length - 16));
  try {
    const secret = Buffer.concat([
      decipher.update(wrapped.subarray(0, wrapped.length - 16)),
      decipher.final(),
    ]);
    return secret.length === MASTER_SECRET_BYTES ? secret : undefined;
  } catch {
    return undefined;
  }
}

function isKeyFile(value: unknown): value is KeyFile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const kdf = v.kdf as Record<string, unknown> | undefined;
  const positiveInt = (x: unknown, max: number) =>
    Number.isInteger(x) && (x as number) > 0 && (x as number) <= max;
  return (
    v.version === 1 &&
    typeof v.created === 'string' &&
    typeof v.host === 'string' &&
    typeof v.username === 'string' &&
    typeof v.nonce === 'string' &&
    typeof v.wrapped === 'string' &&
    typeof kdf === 'object' &&
    kdf !== null &&
    kdf.algorithm === 'argon2id' &&
    typeof kdf.salt === 'string' &&
    positiveInt(kdf.memoryKiB, 4 * 1024 * 1024) &&
    positiveInt(kdf.passes, 64) &&
    positiveInt(kdf.parallelism, 64)
  );
}
