// The seal on what a fan-out run keeps outside the repository (its plan and the parts' results, in the run bucket,
// which its workers may write): an HMAC of the value's canonical JSON under a key derived from the repository's
// secret. The commit opens nothing that is not sealed, so whoever can write the bucket but not hold the repository's
// key cannot make the commit graft another tree (an older part's, another run's) or drop a space.

import { timingSafeEqual } from 'node:crypto';
import { canonicalJson, type Json } from '../../../catalog/canonical-json.ts';
import { StepvaultError } from '../../../common/errors.ts';
import { purposeMac } from '../../../repository/crypto/master-key.ts';
import type { Repository } from '../../../repository/repository.ts';

export type Sealed<T> = T & { seal: string };

export function seal<T extends object>(repo: Repository, purpose: string, value: T): Sealed<T> {
  return {
    ...value,
    seal: purposeMac(repo.keys.encryption, purpose, canonicalJson(value as unknown as Json)),
  };
}

/** `value` without its seal, if the seal is this repository's for `purpose`; otherwise a `corrupt` error. */
export function opened<T extends object>(
  repo: Repository,
  purpose: string,
  value: Sealed<T>,
  what: string,
): T {
  const { seal: found, ...rest } = value;
  const expected = purposeMac(repo.keys.encryption, purpose, canonicalJson(rest as unknown as Json));
  if (
    typeof found !== 'string' ||
    found.length !== expected.length ||
    !timingSafeEqual(Buffer.from(found), Buffer.from(expected))
  )
    throw new StepvaultError(
      'corrupt',
      `${what} is not sealed with this repository's key (changed, or from elsewhere)`,
      {
        hint: 'the run bucket was written by someone else; run the backup again and find out who can write that bucket',
      },
    );
  return rest as unknown as T;
}
