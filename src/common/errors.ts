// The one error class of stepvault: every failure carries a stable `code`, a `hint` that tells the user how to
// fix it, and whether retrying may help. Roots map codes to exit codes (cli) or HTTP statuses (daemon).

export type ErrorCode =
  | 'usage' // bad flags, arguments or input
  | 'config' // invalid configuration
  | 'repository-not-found'
  | 'repository-exists'
  | 'wrong-password'
  | 'locked'
  | 'not-found' // a named object, snapshot or path does not exist
  | 'already-exists' // a create-only write met an existing object
  | 'corrupt' // an object failed authentication, decoding or its content hash
  | 'unsafe-path' // a path that would escape a restore target or is otherwise hostile
  | 'conflict' // the target of a write holds something we must not overwrite
  | 'io' // the operating system or a backend refused an operation
  | 'interrupted'
  | 'partial' // the operation finished but some items failed; the summary lists them
  | 'internal';

export interface ErrorOptions {
  hint?: string;
  retryable?: boolean;
  cause?: unknown;
}

export class StepvaultError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StepvaultError';
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
  }
}

export function isStepvaultError(error: unknown, code?: ErrorCode): error is StepvaultError {
  return error instanceof StepvaultError && (code === undefined || error.code === code);
}

/** Turns anything thrown into a StepvaultError, keeping ours as they are. */
export function asStepvaultError(error: unknown): StepvaultError {
  if (error instanceof StepvaultError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new StepvaultError('interrupted', 'interrupted', { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StepvaultError('internal', message, { cause: error });
}

/** The errno code of a Node system error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
