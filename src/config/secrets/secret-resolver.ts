// Turns secret references from stepvault.yaml into Secret values (which print as "[secret]"). Each reference is
// resolved once per resolver and then served from memory; a failed resolution is not cached, so a retry asks
// again. This folder is the only part of config/ that talks to the outside (and to AWS).

import { Secret } from '../../common/secret.ts';
import type { SecretRef } from '../secret-ref.ts';
import { type AwsSettings, secretFromSecretsManager, secretFromSsm } from './aws-secrets.ts';
import { secretFromCommand, secretFromEnv, secretFromFile } from './local-secrets.ts';

export interface SecretResolverOptions {
  /** Relative `file:` references and commands start here: the configuration file's directory. */
  baseDir: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** How long a `command:` may run. @default 30000 */
  commandTimeoutMs?: number;
  aws?: AwsSettings;
}

export class SecretResolver {
  readonly #options: SecretResolverOptions;
  readonly #cache = new Map<string, Promise<Secret>>();

  constructor(options: SecretResolverOptions) {
    this.#options = options;
  }

  /** The secret a reference points to; throws a StepvaultError ('config', or retryable 'io' for AWS outages). */
  resolve(ref: SecretRef, signal?: AbortSignal): Promise<Secret> {
    const key = JSON.stringify(ref);
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const pending = this.#fetch(ref, signal).then((value) => new Secret(value));
    this.#cache.set(key, pending);
    pending.catch(() => this.#cache.delete(key));
    return pending;
  }

  /** Forgets resolved values (e.g. after a configuration reload, so rotated secrets are read again). */
  clear(): void {
    this.#cache.clear();
  }

  async #fetch(ref: SecretRef, signal?: AbortSignal): Promise<string> {
    const env = this.#options.env ?? process.env;
    const aws = this.#options.aws ?? {};
    if ('env' in ref) return secretFromEnv(ref.env, env);
    if ('file' in ref) return secretFromFile(ref.file, this.#options.baseDir);
    if ('command' in ref) {
      return secretFromCommand(ref.command, {
        cwd: this.#options.baseDir,
        env,
        timeoutMs: this.#options.commandTimeoutMs ?? 30_000,
        ...(signal ? { signal } : {}),
      });
    }
    if ('awsSecretsManager' in ref) return secretFromSecretsManager(ref.awsSecretsManager, aws, env, signal);
    return secretFromSsm(ref.ssm, aws, env, signal);
  }
}
