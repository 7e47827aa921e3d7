// Who is calling: a bearer token is hashed (SHA-256) and compared, in constant time, with every configured hash
// (the configuration never holds tokens themselves); roles are ordered viewer < operator < admin.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role } from '../../config/server-schema.ts';

export interface TokenEntry {
  name: string;
  role: Role;
  /** Lowercase hex SHA-256 of the token. */
  hash: string;
}

export interface Caller {
  name: string;
  role: Role;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function hasRole(caller: Caller, needed: Role): boolean {
  return RANK[caller.role] >= RANK[needed];
}

/** The caller an `Authorization` header names, or undefined (no header, not Bearer, unknown token). */
export function authenticate(header: string | undefined, tokens: readonly TokenEntry[]): Caller | undefined {
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? '');
  const presented = createHash('sha256')
    .update(match?.[1] ?? '')
    .digest();
  let found: TokenEntry | undefined;
  // Every entry is compared (no early exit), so timing says nothing about which hash came close.
  for (const entry of tokens) {
    const expected = Buffer.from(entry.hash, 'hex');
    if (expected.length === presented.length && timingSafeEqual(expected, presented) && match) found = entry;
  }
  return found ? { name: found.name, role: found.role } : undefined;
}

/** How a caller is named in the audit log: the token's name, never the token. */
export function actorOf(caller: Caller): string {
  return `token:${caller.name}`;
}

/** The hash to put in the configuration for a token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
