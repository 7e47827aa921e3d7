// What the daemon's tasks work with: the configured repositories, sources and notification channels (a
// ConfigEnvironment) behind one object that a configuration reload can swap while executions run. The clock and
// the repository gate stay the same across reloads (the gate orders every task of this process that uses a
// repository); secrets are read again after a reload, so rotated ones take effect.

import type { Clock } from '../common/clock.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { SecretResolver } from '../config/secrets/secret-resolver.ts';
import type { NotificationEvent } from '../domain/notification-event.ts';
import { ConfigEnvironment } from '../plans/config-environment.ts';
import type { NotifyReport, PlanEnvironment, SourceSpec } from '../plans/plan-environment.ts';
import { RepositoryGate } from '../plans/repository-gate.ts';
import type { Repository } from '../repository/repository.ts';

export interface DaemonEnvironmentOptions {
  clock: Clock;
  /** Where secret references read environment variables from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Recorded as the snapshots' host when a source does not say. */
  host?: string;
}

export class DaemonEnvironment implements PlanEnvironment {
  readonly clock: Clock;
  readonly gate = new RepositoryGate();
  readonly #options: DaemonEnvironmentOptions;
  #loaded: LoadedConfig;
  #secrets: SecretResolver;
  #current: ConfigEnvironment;
  readonly #retired: ConfigEnvironment[] = [];

  constructor(loaded: LoadedConfig, options: DaemonEnvironmentOptions) {
    this.clock = options.clock;
    this.#options = options;
    this.#loaded = loaded;
    this.#secrets = this.#resolver(loaded);
    this.#current = this.#build(loaded);
  }

  /** The configuration tasks see now. */
  get loaded(): LoadedConfig {
    return this.#loaded;
  }

  /** Resolves the current configuration's secret references (cached until the next reload). */
  get secrets(): SecretResolver {
    return this.#secrets;
  }

  get scratchDir(): string {
    return this.#current.scratchDir;
  }

  get host(): string {
    return this.#current.host;
  }

  /** Tasks that start from now on see `loaded`; running ones keep what they opened. */
  replace(loaded: LoadedConfig): void {
    this.#retired.push(this.#current);
    this.#loaded = loaded;
    this.#secrets = this.#resolver(loaded);
    this.#current = this.#build(loaded);
  }

  openRepository(name: string): Promise<Repository> {
    return this.#current.openRepository(name);
  }

  compressionLevel(name: string): number {
    return this.#current.compressionLevel(name);
  }

  source(name: string): SourceSpec {
    return this.#current.source(name);
  }

  notify(event: NotificationEvent): Promise<NotifyReport> {
    return this.#current.notify(event);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#current, ...this.#retired].map((e) => e.close()));
  }

  #resolver(loaded: LoadedConfig): SecretResolver {
    return new SecretResolver({
      baseDir: loaded.dir,
      ...(this.#options.env ? { env: this.#options.env } : {}),
    });
  }

  #build(loaded: LoadedConfig): ConfigEnvironment {
    return new ConfigEnvironment(loaded, {
      clock: this.clock,
      secrets: this.#secrets,
      ...(this.#options.host ? { host: this.#options.host } : {}),
    });
  }
}
