// The one map from error codes to process exit codes (restic's conventions), as documented in README.md.

import type { ErrorCode } from '../common/errors.ts';

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  partial: 3,
  noRepository: 10,
  locked: 11,
  wrongPassword: 12,
  interrupted: 130,
  /** Stdout's reader went away (`| head`): stopped quietly, as a process ended by SIGPIPE reports. */
  outputClosed: 141,
} as const;

const BY_CODE: Record<ErrorCode, number> = {
  usage: EXIT.usage,
  config: EXIT.usage,
  'repository-not-found': EXIT.noRepository,
  'repository-exists': EXIT.failed,
  'wrong-password': EXIT.wrongPassword,
  locked: EXIT.locked,
  'not-found': EXIT.failed,
  'already-exists': EXIT.failed,
  corrupt: EXIT.failed,
  'unsafe-path': EXIT.failed,
  conflict: EXIT.failed,
  io: EXIT.failed,
  interrupted: EXIT.interrupted,
  partial: EXIT.partial,
  internal: EXIT.failed,
};

export function exitCodeFor(code: ErrorCode): number {
  return BY_CODE[code];
}
