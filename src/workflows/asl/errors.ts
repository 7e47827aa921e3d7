// Errors raised inside a running execution. They are not process failures: an `AslError` carries an ASL error
// name (`States.Runtime`, `States.TaskFailed`, a handler's own name, ...) and a cause, and the interpreter turns it
// into Retry/Catch handling or a failed execution exactly as Step Functions does.

export const StatesErrors = {
  ALL: 'States.ALL',
  HeartbeatTimeout: 'States.HeartbeatTimeout',
  Timeout: 'States.Timeout',
  TaskFailed: 'States.TaskFailed',
  Permissions: 'States.Permissions',
  ResultPathMatchFailure: 'States.ResultPathMatchFailure',
  ParameterPathFailure: 'States.ParameterPathFailure',
  BranchFailed: 'States.BranchFailed',
  NoChoiceMatched: 'States.NoChoiceMatched',
  IntrinsicFailure: 'States.IntrinsicFailure',
  ExceedToleratedFailureThreshold: 'States.ExceedToleratedFailureThreshold',
  ItemReaderFailed: 'States.ItemReaderFailed',
  ResultWriterFailed: 'States.ResultWriterFailed',
  DataLimitExceeded: 'States.DataLimitExceeded',
  Runtime: 'States.Runtime',
  QueryEvaluationError: 'States.QueryEvaluationError',
} as const;

export class AslError extends Error {
  /** The ASL error name matched by `ErrorEquals`. */
  readonly error: string;
  /** The human-readable cause; `undefined` leaves it out of events (as AWS does for timeouts). */
  override readonly cause: string | undefined;
  /** Set for JSONata evaluation failures: AWS records them as an `EvaluationFailed` event naming the field. */
  readonly location: string | undefined;

  constructor(error: string, cause?: string, location?: string) {
    super(cause === undefined ? error : `${error}: ${cause}`);
    this.name = 'AslError';
    this.error = error;
    this.cause = cause;
    this.location = location;
  }
}

/** Errors that end the execution whatever Retry or Catch says (AWS: "States.ALL does not catch them"). */
export function isTerminalError(error: string): boolean {
  return error === StatesErrors.Runtime;
}

/**
 * Whether a Retrier's or Catcher's `ErrorEquals` matches an error. `States.ALL` matches everything except
 * `States.Runtime`; `States.TaskFailed` matches every error except `States.Timeout` (and the terminal ones).
 */
export function errorMatches(errorEquals: readonly string[], error: string): boolean {
  if (isTerminalError(error)) return false;
  for (const name of errorEquals) {
    if (name === error) return true;
    if (name === StatesErrors.ALL) return true;
    if (name === StatesErrors.TaskFailed && error !== StatesErrors.Timeout) return true;
  }
  return false;
}
