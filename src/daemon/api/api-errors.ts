// Errors as the API answers them: one JSON shape `{ error: { code, message, hint?, issues? } }` and one map
// from stepvault's error codes to HTTP statuses. Internal errors are answered without their message (it is
// reported to the daemon's log instead).

import { asStepvaultError, type ErrorCode } from '../../common/errors.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string | undefined;
  readonly issues: string[] | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { hint?: string; issues?: string[] } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.hint = options.hint;
    this.issues = options.issues;
  }
}

const STATUS: Record<ErrorCode, number> = {
  usage: 400,
  config: 400,
  'unsafe-path': 400,
  'not-found': 404,
  'repository-not-found': 404,
  conflict: 409,
  'already-exists': 409,
  locked: 409,
  'repository-exists': 409,
  partial: 500,
  corrupt: 500,
  'wrong-password': 500,
  io: 503,
  interrupted: 503,
  internal: 500,
};

export interface ErrorBody {
  error: { code: string; message: string; hint?: string; issues?: string[] };
}

/** The status and body for anything thrown while answering; `internal` says whether to log it. */
export function errorResponse(e: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (e instanceof ApiError) {
    return {
      status: e.status,
      body: {
        error: {
          code: e.code,
          message: e.message,
          ...(e.hint ? { hint: e.hint } : {}),
          ...(e.issues ? { issues: e.issues } : {}),
        },
      },
      internal: false,
    };
  }
  const error = asStepvaultError(e);
  const status = STATUS[error.code];
  if (status >= 500 && error.code !== 'io' && error.code !== 'interrupted') {
    return {
      status,
      body: { error: { code: error.code, message: 'the request failed inside the daemon; see its log' } },
      internal: true,
    };
  }
  return {
    status,
    body: {
      error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
    },
    internal: status >= 500,
  };
}
