// ECS task scale-in protection for a worker on ECS: while it runs a task, the service's scaling may not stop it
// (scaling follows the activities' backlog, which says nothing of work in progress). Through the ECS agent's
// endpoint (ECS_AGENT_URI, set in every ECS task); elsewhere nothing is done.

/** How long a protection lasts unless renewed or removed: longer than any task's timeout (2 days, ECS's most). */
const EXPIRES_IN_MINUTES = 2880;

export class TaskProtection {
  readonly #endpoint: string | undefined;
  readonly #onError: (message: string) => void;
  #busy = 0;
  #state: Promise<void> = Promise.resolve();

  constructor(env: NodeJS.ProcessEnv, onError: (message: string) => void) {
    this.#endpoint = env.ECS_AGENT_URI ? `${env.ECS_AGENT_URI}/task-protection/v1/state` : undefined;
    this.#onError = onError;
  }

  /** A task starts: protect the container's task while any runs. */
  async begin(): Promise<void> {
    if (this.#busy++ === 0) await this.#set(true);
  }

  /** A task ended: unprotect once none runs. */
  async end(): Promise<void> {
    if (--this.#busy === 0) await this.#set(false);
  }

  #set(enabled: boolean): Promise<void> {
    const endpoint = this.#endpoint;
    if (!endpoint) return Promise.resolve();
    // in order: a late "off" must not overtake the "on" of the next task
    this.#state = this.#state.then(async () => {
      try {
        const response = await fetch(endpoint, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(
            enabled
              ? { ProtectionEnabled: true, ExpiresInMinutes: EXPIRES_IN_MINUTES }
              : { ProtectionEnabled: false },
          ),
        });
        if (!response.ok) this.#onError(`scale-in protection: the ECS agent answered ${response.status}`);
      } catch (e) {
        this.#onError(`scale-in protection: ${(e as Error).message}`);
      }
    });
    return this.#state;
  }
}
