// Users and groups (v1), which a restore asks about to know whether a principal exists on the target site,
// and CQL search (v1), e.g. to find folders or whiteboards the tree walk did not reach. CQL ignores the Admin
// Key (a known Cloud bug), so restricted content is missing from its results.

import { isStepvaultError } from '../../../common/errors.ts';
import { type Api, get, list } from './api-calls.ts';
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

export function searchContent(api: Api, cql: string, options: CallOptions): AsyncIterable<SearchHit> {
  return list(api, '/rest/api/content/search', {}, { cql }, contentV1Schema, options);
}
