// Users, groups and credentials. Account and group ids depend only on the seed (not on the site), as in an
// Atlassian organisation where two sites share one directory: a restore target seeded with the same directory
// knows every principal a backup's restrictions and permissions name.

import type { Credential, Group, User } from './model.ts';
import { Prng, pseudoUuid } from './prng.ts';
import type { SimStore } from './store.ts';

/** The built-in administrator every simulated site has; the demo credentials belong to it. */
export const ADMIN_ACCOUNT_ID = '712020:00000000-0000-4000-a000-000000000001';
export const ADMIN_EMAIL = 'admin@example.test';

export const DEMO_SECRETS = {
  /** Classic API token: Basic auth on the site URL. */
  apiToken: 'sim-classic-api-token',
  /** Scoped API token: Basic auth on the api.atlassian.com gateway path. */
  scopedToken: 'sim-scoped-api-token',
  /** OAuth 2.0 / service-account access token: Bearer auth on the gateway path. */
  bearerToken: 'sim-oauth-access-token',
  /** A scoped token with read scopes only: writes get 403. */
  readOnlyToken: 'sim-read-only-token',
} as const;

export const BUILTIN_GROUPS = ['confluence-users', 'confluence-administrators', 'site-admins'] as const;

function groupId(name: string): string {
  return pseudoUuid('group', name);
}

/** The admin user, the built-in groups and the demo credentials: what every site starts with. */
export function seedBuiltins(store: SimStore): User {
  for (const name of BUILTIN_GROUPS) store.addGroup({ id: groupId(name), name });
  const admin: User = {
    accountId: ADMIN_ACCOUNT_ID,
    email: ADMIN_EMAIL,
    displayName: 'Site Admin',
    accountType: 'atlassian',
    siteAdmin: true,
    groupIds: BUILTIN_GROUPS.map(groupId),
  };
  store.addUser(admin);
  const credential = (kind: Credential['kind'], secret: string, canWrite = true): Credential => ({
    kind,
    secret,
    accountId: ADMIN_ACCOUNT_ID,
    canWrite,
  });
  store.addCredential(credential('classic', DEMO_SECRETS.apiToken));
  store.addCredential(credential('scoped', DEMO_SECRETS.scopedToken));
  store.addCredential(credential('bearer', DEMO_SECRETS.bearerToken));
  store.addCredential(credential('scoped', DEMO_SECRETS.readOnlyToken, false));
  return admin;
}

const FIRST = [
  'Ada',
  'Grace',
  'Linus',
  'Zoë',
  'Søren',
  'Mei',
  'Ahmed',
  'Olúwa',
  'Priya',
  'Jürgen',
  'Chloé',
  'Kenji',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Müller',
  'Nakamura',
  'García',
  'Dubois',
  'Kowalski',
  'Singh',
  'Ødegaard',
];
const TEAMS = ['engineering', 'support', 'marketing', 'finance', 'security', 'contractors'];

export interface Directory {
  users: User[];
  groups: Group[];
}

/** Adds `users` seeded users and a few team groups (idempotent for the same seed). */
export function seedDirectory(store: SimStore, seed: number, users: number): Directory {
  const rng = new Prng('directory', seed);
  const groups = TEAMS.map((name) => ({ id: groupId(`${seed}:${name}`), name }));
  for (const group of groups) if (!store.groups.has(group.id)) store.addGroup(group);
  const members = store.groupByName('confluence-users')!;
  const out: User[] = [];
  for (let i = 0; i < users; i++) {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const teams = groups.filter(() => rng.chance(0.3)).map((g) => g.id);
    const user: User = {
      accountId: `712020:${pseudoUuid('user', seed, i)}`,
      email: `${first}.${last}.${i}@example.test`
        .toLowerCase()
        .normalize('NFKD')
        .replace(/[^\x20-\x7e]/g, ''),
      displayName: `${first} ${last}`,
      accountType: i % 17 === 16 ? 'app' : 'atlassian',
      siteAdmin: false,
      groupIds: [members.id, ...teams],
    };
    if (!store.users.has(user.accountId)) store.addUser(user);
    out.push(store.users.get(user.accountId)!);
  }
  return { users: out, groups };
}
