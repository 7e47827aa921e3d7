// Replays recorded task outcomes instead of calling services: `--task-results FILE` and the conformance tests.
// A state's own list is indexed by how many tasks of that state the execution has scheduled (a persisted
// count, so retries, redrives and restarts line up); the list under "*" (or a flat list's outcomes without a
// state name) is shared by states without a list, in the order this process asks. A state listed with no
// outcomes left fails with States.TaskFailed, except a `.waitForTaskToken` task, which waits for its token. A
// recorded `States.Timeout` makes the task hang until its TimeoutSeconds fire, as it did.

import { isObject, type Json } from '../asl/json.ts';
import { parseResource } from '../asl/resource.ts';
import type { TaskOutcome } from '../interpreter/model.ts';
import { type ResolvedHandler, TaskFailure } from './task-registry.ts';

export interface RecordedOutcome {
  state?: string | null;
  ok: boolean;
  output?: Json;
  error?: string | null;
  cause?: Json;
}

/** `{ "StateName": [outcome, ...], "*": [...] }`, or a flat list of outcomes each naming its `state`. */
export type TaskResults = Record<string, RecordedOutcome[]> | RecordedOutcome[];

export class ReplayHandlers {
  readonly #queues = new Map<string, RecordedOutcome[]>();
  readonly #shared: RecordedOutcome[] = [];
  #sharedNext = 0;
  readonly #complete: (token: string, outcome: TaskOutcome) => void;

  constructor(results: TaskResults, complete: (token: string, outcome: TaskOutcome) => void) {
    this.#complete = complete;
    const entries: [string | null, RecordedOutcome[]][] = Array.isArray(results)
      ? results.map((o) => [typeof o.state === 'string' ? o.state : null, [o]])
      : Object.entries(results).map(([state, outcomes]) => [state === '*' ? null : state, outcomes]);
    for (const [state, outcomes] of entries) {
      if (state === null) this.#shared.push(...outcomes);
      else this.#queues.set(state, [...(this.#queues.get(state) ?? []), ...outcomes]);
    }
  }

  /** Whether this replay serves a Task state (validation treats its resource as known). */
  serves(stateName: string): boolean {
    return this.#queues.has(stateName) || this.#shared.length > 0;
  }

  /**
   * The handler for one call: a state with its own list gets the outcome at `call.ofState` (how many tasks of
   * that state the execution scheduled before, so retries, redrives and restarts line up); other states take
   * the shared outcomes in the order they ask for them.
   */
  resolve(
    resource: string,
    stateName: string,
    call: { ofState: number; ofAll: number },
  ): ResolvedHandler | undefined {
    if (!this.serves(stateName)) return undefined;
    const waitForToken = parseResource(resource)?.pattern === 'wait-for-task-token';
    return {
      invoke: async (_input, ctx) => {
        const own = this.#queues.get(stateName);
        const outcome = own ? own[call.ofState] : this.#shared[this.#sharedNext++];
        // Without a recorded outcome, a callback task waits for send-task-success/failure like a real one.
        if (!outcome && waitForToken) return null;
        if (!outcome) {
          throw new TaskFailure('States.TaskFailed', `No recorded outcome is left for state '${stateName}'.`);
        }
        if (!outcome.ok && outcome.error === 'States.Timeout') {
          await new Promise<void>((_, reject) =>
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
          );
        }
        const result: TaskOutcome = outcome.ok
          ? { ok: true, output: outcome.output ?? null }
          : { ok: false, error: outcome.error ?? '', cause: causeText(outcome.cause) };
        if (waitForToken) {
          queueMicrotask(() => this.#complete(ctx.taskToken, result));
          return null;
        }
        if (!result.ok) throw new TaskFailure(result.error, result.cause);
        return result.output;
      },
    };
  }
}

function causeText(cause: Json | undefined): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}

export function isTaskResults(value: Json): value is TaskResults & Json {
  if (Array.isArray(value)) return value.every((o) => isObject(o) && typeof o.ok === 'boolean');
  return (
    isObject(value) &&
    Object.values(value).every(
      (v) => Array.isArray(v) && v.every((o) => isObject(o) && typeof o.ok === 'boolean'),
    )
  );
}
