// How a plan task's failure is named for ASL Retry and Catch. Errors worth retrying (throttling, a repository
// locked by another process, transient storage or network errors: `retryable` StepvaultErrors) are
// `Stepvault.Retryable`; an abort is `Stepvault.Interrupted`; every other error is `Stepvault.<Code>` (e.g.
// `Stepvault.NotFound`, `Stepvault.Corrupt`). The cause is the message and its hint — never a secret, since
// StepvaultError messages never carry one.

import { asStepvaultError, type StepvaultError } from '../common/errors.ts';
import { TaskFailure } from '../workflows/engine/task-registry.ts';

export const RETRYABLE = 'Stepvault.Retryable';

export function errorName(e: StepvaultError): string {
  if (e.code === 'interrupted') return 'Stepvault.Interrupted';
  if (e.retryable) return RETRYABLE;
  return `Stepvault.${e.code.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase())}`;
}

export function toTaskFailure(error: unknown): TaskFailure {
  if (error instanceof TaskFailure) return error;
  const e = asStepvaultError(error);
  return new TaskFailure(errorName(e), e.hint ? `${e.message} (hint: ${e.hint})` : e.message);
}

/** Runs a handler body, turning whatever it throws into a TaskFailure with a stable error name. */
export async function asTask<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toTaskFailure(e);
  }
}
