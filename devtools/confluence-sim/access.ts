// Who may see and change what, the way Confluence Cloud decides it: space permissions first, then content
// restrictions. Read restrictions are inherited down the page tree; update restrictions apply to the page
// itself. An Admin Key in force (and asked for with `Atl-Confluence-With-Admin-Key: true`) lifts restrictions
// for a site admin. Content a caller may not see is "not found", never "forbidden".

import type { Content, Principals, Space, SpacePermissionOperation, User } from './model.ts';
import type { SimStore } from './store.ts';

export interface Actor {
  user: User;
  /** The credential's scopes allow writes. */
  canWrite: boolean;
  /** The request asked for the Admin Key and the user holds one in force. */
  adminKey: boolean;
}

function includes(principals: Principals, user: User): boolean {
  return (
    principals.users.includes(user.accountId) || principals.groups.some((g) => user.groupIds.includes(g))
  );
}

function isOpen(principals: Principals): boolean {
  return principals.users.length === 0 && principals.groups.length === 0;
}

export function hasSpacePermission(
  space: Space,
  user: User,
  key: SpacePermissionOperation,
  targetType = 'space',
): boolean {
  return space.permissions.some(
    (p) =>
      p.operation.key === key &&
      p.operation.targetType === targetType &&
      (p.principal.type === 'user'
        ? p.principal.id === user.accountId
        : user.groupIds.includes(p.principal.id)),
  );
}

export function canReadSpace(space: Space, actor: Actor): boolean {
  return actor.adminKey || hasSpacePermission(space, actor.user, 'read');
}

/** Read restrictions of the content and every ancestor admit the user. */
export function passesReadRestrictions(store: SimStore, content: Content, user: User): boolean {
  for (const item of [...store.ancestorsOf(content), content]) {
    if (!isOpen(item.restrictions.read) && !includes(item.restrictions.read, user)) return false;
  }
  return true;
}

export function canReadContent(store: SimStore, content: Content, actor: Actor): boolean {
  const space = store.spaces.get(content.spaceId);
  if (!space || !canReadSpace(space, actor)) return false;
  return actor.adminKey || passesReadRestrictions(store, content, actor.user);
}

/**
 * A memoised canReadContent for one listing: each item's verdict reuses its parent's, so a listing of n items
 * costs O(n) instead of O(n x depth). Use it within one request only (state may change between requests).
 */
export function readChecker(store: SimStore, actor: Actor): (content: Content) => boolean {
  const spaces = new Map<string, boolean>();
  const restrictions = new Map<string, boolean>();
  const passes = (content: Content, depth: number): boolean => {
    const known = restrictions.get(content.id);
    if (known !== undefined) return known;
    const read = content.restrictions.read;
    let ok = isOpen(read) || includes(read, actor.user);
    const parent = content.parentId === undefined ? undefined : store.contents.get(content.parentId);
    if (ok && parent && depth < 1000) ok = passes(parent, depth + 1);
    restrictions.set(content.id, ok);
    return ok;
  };
  return (content) => {
    let spaceOk = spaces.get(content.spaceId);
    if (spaceOk === undefined) {
      const space = store.spaces.get(content.spaceId);
      spaceOk = space !== undefined && canReadSpace(space, actor);
      spaces.set(content.spaceId, spaceOk);
    }
    return spaceOk && (actor.adminKey || passes(content, 0));
  };
}

function targetTypeOf(content: Content): string {
  return content.kind === 'blogpost' ? 'blogpost' : content.kind;
}

/** May create content of this kind in the space (or, with `content`, update that content). */
export function canWriteContent(store: SimStore, space: Space, actor: Actor, content?: Content): boolean {
  if (!actor.canWrite) return false;
  const target = content ? targetTypeOf(content) : 'page';
  const spaceAllows =
    hasSpacePermission(space, actor.user, 'create', target) ||
    hasSpacePermission(space, actor.user, 'create', 'page') ||
    hasSpacePermission(space, actor.user, 'administer');
  if (!spaceAllows) return false;
  if (!content || actor.adminKey) return true;
  const update = content.restrictions.update;
  return canReadContent(store, content, actor) && (isOpen(update) || includes(update, actor.user));
}

export function canAdministerSpace(space: Space, actor: Actor): boolean {
  return actor.canWrite && hasSpacePermission(space, actor.user, 'administer');
}
