// Labels, content properties and restrictions: the metadata that changes without a new page version (so an
// incremental backup has to sweep for it). Content properties carry their own version counter.

import type { ContentProperty, Label, Principals, Restrictions } from './model.ts';
import { badRequest, notFound, SimError } from './sim-error.ts';
import type { SimStore } from './store.ts';

interface Labelled {
  labels: string[];
}

const LABEL_NAME = /^[^\s:;,.!&#?/\\<>'"`()[\]{}|^~*]{1,255}$/u;
const PREFIXES = new Set(['global', 'my', 'team']);

export function labelsOf(store: SimStore, item: Labelled): Label[] {
  return item.labels.map((id) => store.labels.get(id)!).filter((l) => l !== undefined);
}

/** Adds labels (idempotent); returns the item's labels. Invalid names or prefixes are a 400. */
export function addLabels(
  store: SimStore,
  item: Labelled,
  wanted: { prefix?: unknown; name?: unknown }[],
): Label[] {
  if (wanted.length === 0) throw badRequest('No labels given');
  const labels = wanted.map((w) => {
    const prefix = w.prefix === undefined ? 'global' : w.prefix;
    if (typeof w.name !== 'string' || !LABEL_NAME.test(w.name))
      throw badRequest(`Invalid label name: ${String(w.name)}`);
    if (typeof prefix !== 'string' || !PREFIXES.has(prefix))
      throw badRequest(`Invalid label prefix: ${String(prefix)}`);
    return store.label(prefix as Label['prefix'], w.name);
  });
  for (const label of labels) if (!item.labels.includes(label.id)) item.labels.push(label.id);
  return labelsOf(store, item);
}

export function removeLabel(store: SimStore, item: Labelled, name: string): void {
  const label = labelsOf(store, item).find((l) => l.name === name.toLowerCase());
  if (!label) throw notFound(`Label ${name}`);
  item.labels = item.labels.filter((id) => id !== label.id);
}

// --- content properties ------------------------------------------------------------------------------------

interface WithProperties {
  properties: ContentProperty[];
}

export function createProperty(
  store: SimStore,
  item: WithProperties,
  key: unknown,
  value: unknown,
  authorId: string,
): ContentProperty {
  if (typeof key !== 'string' || key === '' || key.length > 255)
    throw badRequest('Property key must be 1-255 characters');
  if (value === undefined) throw badRequest('Property value is required');
  if (item.properties.some((p) => p.key === key))
    throw new SimError(409, `A property with key ${key} already exists`);
  const property: ContentProperty = {
    id: store.newId(),
    key,
    value,
    version: { number: 1, createdAt: store.stamp(), authorId, message: '', minorEdit: false },
  };
  item.properties.push(property);
  return property;
}

export function findProperty(item: WithProperties, propertyId: string): ContentProperty {
  const property = item.properties.find((p) => p.id === propertyId);
  if (!property) throw notFound(`Property ${propertyId}`);
  return property;
}

export function updateProperty(
  store: SimStore,
  property: ContentProperty,
  input: { key?: unknown; value?: unknown; versionNumber?: unknown; message?: unknown },
  authorId: string,
): ContentProperty {
  if (input.key !== undefined && input.key !== property.key) throw badRequest('A property key cannot change');
  if (input.versionNumber !== property.version.number + 1) {
    throw new SimError(409, `Version must be ${property.version.number + 1}`);
  }
  property.value = input.value;
  property.version = {
    number: property.version.number + 1,
    createdAt: store.stamp(),
    authorId,
    message: typeof input.message === 'string' ? input.message : '',
    minorEdit: false,
  };
  return property;
}

/** Removes in place: `item.properties` may be an alias of the owner's array. */
export function deleteProperty(item: WithProperties, propertyId: string): void {
  const property = findProperty(item, propertyId);
  item.properties.splice(item.properties.indexOf(property), 1);
}

// --- restrictions ------------------------------------------------------------------------------------------

export type RestrictionOperation = keyof Restrictions;

export function isRestrictionOperation(op: string): op is RestrictionOperation {
  return op === 'read' || op === 'update';
}

interface PrincipalsWrite {
  user?: unknown;
  group?: unknown;
}

function resolvePrincipals(store: SimStore, write: PrincipalsWrite | undefined): Principals {
  const users: string[] = [];
  const groups: string[] = [];
  const user = write?.user as unknown;
  const nested = (user as { results?: unknown } | undefined)?.results;
  const userList = Array.isArray(user) ? user : Array.isArray(nested) ? nested : [];
  for (const u of userList as { accountId?: unknown }[]) {
    const id = u?.accountId;
    if (typeof id !== 'string' || !store.users.has(id))
      throw badRequest(`No user with accountId ${String(id)}`);
    if (!users.includes(id)) users.push(id);
  }
  for (const g of (Array.isArray(write?.group) ? write.group : []) as { id?: unknown; name?: unknown }[]) {
    const group =
      typeof g?.id === 'string'
        ? store.groups.get(g.id)
        : typeof g?.name === 'string'
          ? store.groupByName(g.name)
          : undefined;
    if (!group) throw badRequest(`No group ${String(g?.id ?? g?.name)}`);
    if (!groups.includes(group.id)) groups.push(group.id);
  }
  return { users, groups };
}

interface RestrictionWrite {
  operation?: unknown;
  restrictions?: PrincipalsWrite;
}

/** Parses a v1 restriction write (array, or object with `results`) into per-operation principals. */
export function parseRestrictionWrite(store: SimStore, body: unknown): Map<RestrictionOperation, Principals> {
  const list = Array.isArray(body) ? body : (body as { results?: unknown })?.results;
  if (!Array.isArray(list)) throw badRequest('Expected an array of restrictions');
  const out = new Map<RestrictionOperation, Principals>();
  for (const item of list as RestrictionWrite[]) {
    const op = item?.operation;
    if (typeof op !== 'string' || !isRestrictionOperation(op))
      throw badRequest(`Unsupported restriction operation ${String(op)}`);
    out.set(op, resolvePrincipals(store, item.restrictions));
  }
  return out;
}

/** `replace` (v1 PUT) drops every restriction not in `writes`; otherwise (v1 POST) principals are added. */
export function setRestrictions(
  target: Restrictions,
  writes: Map<RestrictionOperation, Principals>,
  replace: boolean,
): void {
  if (replace) {
    target.read = { users: [], groups: [] };
    target.update = { users: [], groups: [] };
  }
  for (const [op, principals] of writes) {
    if (replace) {
      target[op] = principals;
    } else {
      for (const u of principals.users) if (!target[op].users.includes(u)) target[op].users.push(u);
      for (const g of principals.groups) if (!target[op].groups.includes(g)) target[op].groups.push(g);
    }
  }
}
