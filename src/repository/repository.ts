// An open repository: storage plus the unlocked keys and config. Creates and opens repositories, and reads and
// writes sealed objects (index, snapshots, locks, tombstones), whose names are the SHA-256 of their bytes so a
// modified, truncated or swapped object is detected by name alone.

import { createHash, randomBytes } from 'node:crypto';
import { StepvaultError } from '../common/errors.ts';
import { type LockPolicy, retainUntil } from '../domain/object-lock.ts';
import type { Backend, ObjectType } from '../storage/contract.ts';
import type { ChainFinding } from './chain/chain-verify.ts';
import { type ChunkerParams, DEFAULT_CHUNKER, validateChunkerParams } from './chunker/fastcdc.ts';
import type { ClientRecord } from './client-record.ts';
import type { KdfParams } from './crypto/key-slot.ts';
import { deriveMasterKeys, generateMasterSecret, type MasterKeys } from './crypto/master-key.ts';
import { type SealedType, seal, unseal } from './crypto/sealed-object.ts';
import { addKeySlot, unlockRepository } from './key-store.ts';
import { DEFAULT_PACK_SIZE, decodeConfig, type RepositoryConfig } from './repository-config.ts';

export interface InitOptions {
  kdf?: KdfParams;
  chunker?: ChunkerParams;
  packSize?: number;
  now?: Date;
  /** Share the master secret of another repository (same blob IDs and chunking: copies deduplicate). */
  masterSecret?: Buffer;
  /** Make the repository immutable: every object written with this retention (needs a store with Object Lock). */
  objectLock?: LockPolicy;
}

/** From here on, objects the backend writes carry the policy's retention (when the backend can keep it). */
function retainUnder(backend: Backend, policy: LockPolicy | undefined): void {
  if (policy)
    backend.objectLock?.retainNewObjects(policy.mode, (serverNow) => retainUntil(serverNow, policy));
}

const SEALED_TYPE: Partial<Record<ObjectType, SealedType>> = {
  index: 'index',
  snapshots: 'snapshot',
  locks: 'lock',
  tombstones: 'tombstone',
  chain: 'chain',
};

type SealedObjectType = 'index' | 'snapshots' | 'locks' | 'chain';

export class Repository {
  readonly backend: Backend;
  readonly config: RepositoryConfig;
  readonly keys: MasterKeys;
  /** The key slot this session unlocked with. */
  readonly keySlot: string;
  /** What this client remembers of the repository, when it keeps a record (commands with a cache directory). */
  clientRecord: ClientRecord | undefined;
  /**
   * Told what a snapshot listing found wrong (tampering, a rollback), so commands that only use snapshots (restore,
   * ls, backup) warn too; `check` reports the findings itself.
   */
  onFindings: ((findings: readonly ChainFinding[]) => void) | undefined;
  readonly #secret: Buffer;

  private constructor(backend: Backend, config: RepositoryConfig, secret: Buffer, keySlot: string) {
    this.backend = backend;
    this.config = config;
    this.#secret = secret;
    this.keys = deriveMasterKeys(secret);
    this.keySlot = keySlot;
    this.clientRecord = undefined;
    this.onFindings = undefined;
  }

  static async init(backend: Backend, password: string, options: InitOptions = {}): Promise<Repository> {
    const chunker = options.chunker ?? DEFAULT_CHUNKER;
    const problem = validateChunkerParams(chunker);
    if (problem) throw new StepvaultError('usage', `invalid chunker parameters: ${problem}`);
    if (password.length === 0) throw new StepvaultError('usage', 'the password is empty');
    const config: RepositoryConfig = {
      version: 1,
      id: randomBytes(32).toString('hex'),
      created: (options.now ?? new Date()).toISOString(),
      chunker,
      packSize: options.packSize ?? DEFAULT_PACK_SIZE,
    };
    if (options.objectLock) {
      config.objectLock = options.objectLock;
      if (!backend.objectLock || !(await backend.objectLock.enabled())) {
        throw new StepvaultError(
          'usage',
          `${backend.location} cannot keep objects immutable: its bucket has no Object Lock`,
          {
            hint: backend.objectLock
              ? 'create a bucket with Object Lock enabled (it cannot be turned on for an existing bucket on every store) and use it'
              : 'immutable repositories need an s3: location on a bucket with Object Lock enabled',
          },
        );
      }
    }
    const secret = options.masterSecret ?? generateMasterSecret();
    await backend.create();
    retainUnder(backend, config.objectLock);
    const slot = await addKeySlot(backend, secret, password, {
      ...(options.kdf ? { kdf: options.kdf } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    const keys = deriveMasterKeys(secret);
    // The config goes last: a location without a config is not a repository yet, so a failed init can be redone.
    await backend.save(
      'config',
      'config',
      seal(keys.encryption, 'config', Buffer.from(JSON.stringify(config))),
    );
    return new Repository(backend, config, secret, slot);
  }

  static async open(backend: Backend, password: string, keyHint?: string): Promise<Repository> {
    // The config and the key files are fetched at the same time (round trips to a remote store add up).
    const unlocking = unlockRepository(backend, password, keyHint);
    unlocking.catch(() => {}); // awaited below, unless the missing config is the error to report
    let sealedConfig: Buffer;
    try {
      sealedConfig = await backend.load('config', 'config');
    } catch (e) {
      if (e instanceof StepvaultError && e.code === 'not-found') {
        for await (const _key of backend.list('keys')) {
          throw new StepvaultError(
            'corrupt',
            `the repository at ${backend.location} has keys but its config is missing`,
            {
              hint: 'the config object was deleted; restore it from a copy of the repository (it cannot be recreated)',
            },
          );
        }
        throw new StepvaultError('repository-not-found', `there is no repository at ${backend.location}`, {
          hint: 'check --repo / STEPVAULT_REPOSITORY, or create one with `stepvault init`',
        });
      }
      throw e;
    }
    const unlocked = await unlocking;
    const keys = deriveMasterKeys(unlocked.secret);
    const config = decodeConfig(unseal(keys.encryption, 'config', sealedConfig, 'config'));
    retainUnder(backend, config.objectLock);
    return new Repository(backend, config, unlocked.secret, unlocked.slot);
  }

  /** The same repository seen through another backend (e.g. a dry-run decorator). */
  withBackend(backend: Backend): Repository {
    const repo = new Repository(backend, this.config, this.#secret, this.keySlot);
    repo.clientRecord = this.clientRecord;
    repo.onFindings = this.onFindings;
    return repo;
  }

  /** The master secret, for adding key slots and for worker threads. Never logged. */
  get masterSecret(): Buffer {
    return this.#secret;
  }

  get id(): string {
    return this.config.id;
  }

  /** Seals and saves an object; returns its name. */
  async saveObject(type: SealedObjectType, plaintext: Uint8Array): Promise<string> {
    const sealed = seal(this.keys.encryption, SEALED_TYPE[type]!, plaintext);
    const name = createHash('sha256').update(sealed).digest('hex');
    await this.backend.save(type, name, sealed);
    return name;
  }

  /** Loads, checks against its name, and unseals an object. */
  async loadObject(type: SealedObjectType, name: string): Promise<Buffer> {
    const bytes = await this.backend.load(type, name);
    return this.openObject(type, name, bytes);
  }

  openObject(type: SealedObjectType | 'tombstones', name: string, bytes: Buffer): Buffer {
    const what = `${type}/${name}`;
    if (type !== 'tombstones' && createHash('sha256').update(bytes).digest('hex') !== name) {
      throw new StepvaultError('corrupt', `${what} is corrupt: its content does not match its name`, {
        hint: 'the object was modified, truncated or replaced by another one',
      });
    }
    return unseal(this.keys.encryption, SEALED_TYPE[type]!, bytes, what);
  }

  /** Tombstones are named after the snapshot they record the removal of; the name is checked inside. */
  sealTombstone(plaintext: Uint8Array): Buffer {
    return seal(this.keys.encryption, 'tombstone', plaintext);
  }
}
