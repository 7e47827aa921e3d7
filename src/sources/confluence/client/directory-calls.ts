// Users and groups (v1), which a restore asks about to know whether a principal exists on the target site; users in
// bulk (v2), whose names a backup keeps beside the account ids; and CQL search (v1), e.g. to find folders or
// whiteboards the tree walk did not reach. CQL ignores the Admin Key (a known Cloud bug), so restricted content is
// missing from its results.

import { z } from 'zod';
import { isStepvaultError } from '../../../common/errors.ts';
import { type Api, get, list, write } from './api-calls.ts';
import type { CallOptions } from './client-types.ts';
import {
  contentV1Schema,
  type Group,
  groupV1Schema,
  type SearchHit,
  type User,
  userV1Schema,
} from './records-v1.ts';

async function orUndefined<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (isStepvaultError(error, 'not-found')) return undefined;
    throw error;
  }
}

export function getUser(api: Api, accountId: string, options: CallOptions): Promise<User | undefined> {
  return orUndefined(get(api, '/rest/api/user', {}, { accountId }, userV1Schema, options));
}

export function getCurrentUser(api: Api, options: CallOptions): Promise<User> {
  return get(api, '/rest/api/user/current', {}, {}, userV1Schema, options);
}

export function getGroup(api: Api, groupId: string, options: CallOptions): Promise<Group | undefined> {
  return orUndefined(get(api, '/rest/api/group/by-id', {}, { id: groupId }, groupV1Schema, options));
}

/** The group of this name (v1 `group/by-name`), or undefined when the site has none. */
export function getGroupByName(api: Api, name: string, options: CallOptions): Promise<Group | undefined> {
  return orUndefined(get(api, '/rest/api/group/by-name', {}, { name }, groupV1Schema, options));
}

export function searchContent(api: Api, cql: string, options: CallOptions): AsyncIterable<SearchHit> {
  return list(api, '/rest/api/content/search', {}, { cql }, contentV1Schema, options);
}

const searchCountSchema = z.looseObject({ totalSize: z.number().int().nonnegative() });

/** How many items a CQL query finds (v1 `search` with `limit=0`: its `totalSize`, one request, no results). */
export async function countContent(api: Api, cql: string, options: CallOptions): Promise<number> {
  return (await get(api, '/rest/api/search', {}, { cql, limit: 0 }, searchCountSchema, options)).totalSize;
}

/** The most account ids one `users-bulk` request may name (the spec allows 250; 100 is what sites honour). */
const USERS_PER_REQUEST = 100;

const usersBulkSchema = z.looseObject({ results: z.array(userV1Schema) });

/**
 * The users with these account ids (v2 `POST /users-bulk`, a read: safe to repeat), 100 per request; ids the
 * site does not know are left out.
 */
export async function getUsers(
  api: Api,
  accountIds: readonly string[],
  options: CallOptions,
): Promise<User[]> {
  const out: User[] = [];
  for (let i = 0; i < accountIds.length; i += USERS_PER_REQUEST) {
    const batch = accountIds.slice(i, i + USERS_PER_REQUEST);
    const got = await write(
      api,
      'POST',
      '/api/v2/users-bulk',
      {},
      {},
      { accountIds: batch },
      usersBulkSchema,
      { ...options, retryServerErrors: true },
    );
    out.push(...got.results);
  }
  return out;
}
