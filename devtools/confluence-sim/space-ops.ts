// Spaces: creation (with its homepage and default permissions), space permissions and space properties.

import { createContent } from './content-ops.ts';
import type { Space, SpacePermission, SpacePermissionOperation, SpaceProperty } from './model.ts';
import { badRequest, notFound, SimError } from './sim-error.ts';
import type { SimStore } from './store.ts';

/** The group every licensed user belongs to; new spaces let it read and create content. */
export const USERS_GROUP = 'confluence-users';

const CONTENT_TARGETS = ['page', 'blogpost', 'comment', 'attachment'] as const;
const MEMBER_OPS: [SpacePermissionOperation, string][] = [
  ['read', 'space'],
  ...CONTENT_TARGETS.map((t): [SpacePermissionOperation, string] => ['create', t]),
];
const ADMIN_OPS: [SpacePermissionOperation, string][] = [
  ...MEMBER_OPS,
  ['administer', 'space'],
  ['export', 'space'],
  ['restrict_content', 'space'],
  ['archive', 'page'],
  ...CONTENT_TARGETS.map((t): [SpacePermissionOperation, string] => ['delete', t]),
];

export function grant(
  store: SimStore,
  space: Space,
  principal: SpacePermission['principal'],
  ops: [SpacePermissionOperation, string][] = MEMBER_OPS,
): void {
  for (const [key, targetType] of ops) {
    const exists = space.permissions.some(
      (p) =>
        p.principal.type === principal.type &&
        p.principal.id === principal.id &&
        p.operation.key === key &&
        p.operation.targetType === targetType,
    );
    if (!exists) space.permissions.push({ id: store.newId(), principal, operation: { key, targetType } });
  }
}

export function grantAdmin(store: SimStore, space: Space, principal: SpacePermission['principal']): void {
  grant(store, space, principal, ADMIN_OPS);
}

export interface CreateSpaceInput {
  key: string;
  name: string;
  description?: string;
  type?: Space['type'];
  authorId: string;
  /** Create the homepage (Confluence always does; the generator builds its own). @default true */
  withHomepage?: boolean;
  createdAt?: number;
}

export function createSpace(store: SimStore, input: CreateSpaceInput): Space {
  if (!/^[A-Za-z0-9]{1,255}$/.test(input.key)) throw badRequest(`Invalid space key ${input.key}`);
  if (input.name.trim() === '' || input.name.length > 200)
    throw badRequest('Space name must be 1-200 characters');
  if (store.spaceByKey(input.key)) throw badRequest(`A space with key ${input.key} already exists`);
  const space: Space = {
    id: store.newId(),
    key: input.key.toUpperCase(),
    name: input.name,
    type: input.type ?? 'global',
    status: 'current',
    authorId: input.authorId,
    createdAt: input.createdAt ?? store.stamp(),
    description: input.description ?? '',
    labels: [],
    properties: [],
    permissions: [],
  };
  store.addSpace(space);
  grantAdmin(store, space, { type: 'user', id: input.authorId });
  const members = store.groupByName(USERS_GROUP);
  if (members) grant(store, space, { type: 'group', id: members.id });
  if (input.withHomepage ?? true) {
    const home = createContent(store, {
      kind: 'page',
      spaceId: space.id,
      title: `${input.name} Home`,
      rootLevel: true,
      authorId: input.authorId,
      body: { kind: 'storage', value: '<p>Welcome to your new space.</p>' },
    });
    space.homepageId = home.id;
  }
  return space;
}

/** v1 `POST /space/{key}/permission`. */
export function addSpacePermission(store: SimStore, space: Space, body: unknown): SpacePermission {
  const req = body as {
    subject?: { type?: unknown; identifier?: unknown };
    operation?: { key?: unknown; target?: unknown };
  };
  const type = req?.subject?.type;
  const identifier = req?.subject?.identifier;
  const key = req?.operation?.key;
  const target = req?.operation?.target;
  if ((type !== 'user' && type !== 'group') || typeof identifier !== 'string')
    throw badRequest('Invalid subject');
  if (typeof key !== 'string' || typeof target !== 'string') throw badRequest('Invalid operation');
  const principalId =
    type === 'user' ? identifier : (store.groups.get(identifier) ?? store.groupByName(identifier))?.id;
  if (principalId === undefined || (type === 'user' && !store.users.has(principalId))) {
    throw badRequest(`No ${type} found with identifier ${identifier}`);
  }
  const duplicate = space.permissions.some(
    (p) => p.principal.id === principalId && p.operation.key === key && p.operation.targetType === target,
  );
  if (duplicate) throw badRequest('Permission already exists for the given user or group');
  const permission: SpacePermission = {
    id: store.newId(),
    principal: { type, id: principalId },
    operation: { key: key as SpacePermissionOperation, targetType: target },
  };
  space.permissions.push(permission);
  return permission;
}

export function removeSpacePermission(space: Space, id: string): void {
  if (!space.permissions.some((p) => p.id === id)) throw notFound(`Permission ${id}`);
  space.permissions = space.permissions.filter((p) => p.id !== id);
}

export function createSpaceProperty(
  store: SimStore,
  space: Space,
  key: unknown,
  value: unknown,
  by: string,
): SpaceProperty {
  if (typeof key !== 'string' || key === '') throw badRequest('Property key is required');
  if (space.properties.some((p) => p.key === key)) throw new SimError(409, `Property ${key} already exists`);
  const now = store.stamp();
  const property: SpaceProperty = {
    id: store.newId(),
    key,
    value,
    createdAt: now,
    createdBy: by,
    version: { number: 1, createdAt: now, createdBy: by, message: '' },
  };
  space.properties.push(property);
  return property;
}

export function updateSpaceProperty(
  store: SimStore,
  property: SpaceProperty,
  input: { value?: unknown; versionNumber?: unknown; message?: unknown },
  by: string,
): SpaceProperty {
  if (input.versionNumber !== property.version.number + 1) {
    throw new SimError(409, `Version must be ${property.version.number + 1}`);
  }
  property.value = input.value;
  property.version = {
    number: property.version.number + 1,
    createdAt: store.stamp(),
    createdBy: by,
    message: typeof input.message === 'string' ? input.message : '',
  };
  return property;
}
