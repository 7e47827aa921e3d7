// The repository's config object: its identity and the format parameters every writer must use. Sealed with the
// master key (type "config"), written once by init.

import { StepvaultError } from '../common/errors.ts';
import { decodeLockPolicy, type LockPolicy } from '../domain/object-lock.ts';
import { type ChunkerParams, validateChunkerParams } from './chunker/fastcdc.ts';

export const REPOSITORY_VERSION = 1;

export interface RepositoryConfig {
  version: 1;
  /** 64 hex digits, random: names the repository in caches and messages. */
  id: string;
  created: string;
  chunker: ChunkerParams;
  /** Target pack size in bytes. @default 16 MiB */
  packSize: number;
  /** Set for immutable repositories: every object but lease locks is written with this retention (S3 Object Lock). */
  objectLock?: LockPolicy;
}

export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;
/** The pack sizes a config may name. */
export const MIN_PACK_SIZE = 1024;
export const MAX_PACK_SIZE = 1 << 30;

export function decodeConfig(plain: Buffer): RepositoryConfig {
  let value: unknown;
  try {
    value = JSON.parse(plain.toString('utf8'));
  } catch {
    throw new StepvaultError('corrupt', 'the repository config is not JSON');
  }
  const v = value as Partial<RepositoryConfig> | null;
  if (v?.version !== REPOSITORY_VERSION) {
    throw new StepvaultError('corrupt', `unsupported repository version ${JSON.stringify(v?.version)}`, {
      hint: `this stepvault reads version ${REPOSITORY_VERSION} repositories; use the version that created it`,
    });
  }
  const chunkerProblem = v.chunker ? validateChunkerParams(v.chunker) : 'missing';
  if (
    typeof v.id !== 'string' ||
    !/^[0-9a-f]{64}$/.test(v.id) ||
    typeof v.created !== 'string' ||
    chunkerProblem !== undefined ||
    !Number.isInteger(v.packSize) ||
    (v.packSize as number) < MIN_PACK_SIZE ||
    (v.packSize as number) > MAX_PACK_SIZE
  ) {
    throw new StepvaultError(
      'corrupt',
      `the repository config is invalid${chunkerProblem ? `: chunker ${chunkerProblem}` : ''}`,
    );
  }
  const objectLock = decodeLockPolicy(v.objectLock);
  return { ...(v as RepositoryConfig), ...(objectLock ? { objectLock } : {}) };
}
