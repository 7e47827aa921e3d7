// Tests' way to fill a simulated site with many users and groups at once (for restrictions longer than a page).

import type { SimStore } from './store.ts';

/** Adds `users` users and `groups` groups named after `prefix`; returns their account ids and group ids. */
export function addPrincipals(
  store: SimStore,
  prefix: string,
  counts: { users: number; groups: number },
): { users: string[]; groups: string[] } {
  const users: string[] = [];
  const groups: string[] = [];
  for (let i = 0; i < counts.users; i++) {
    const accountId = `${prefix}-user-${i}`;
    store.addUser({
      accountId,
      email: `${prefix}${i}@example.com`,
      displayName: `${prefix} ${i}`,
      accountType: 'atlassian',
      siteAdmin: false,
      groupIds: [],
    });
    users.push(accountId);
  }
  for (let i = 0; i < counts.groups; i++) {
    store.addGroup({ id: `${prefix}-group-${i}`, name: `${prefix} ${i}` });
    groups.push(`${prefix}-group-${i}`);
  }
  return { users, groups };
}
