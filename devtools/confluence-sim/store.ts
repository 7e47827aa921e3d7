// The in-memory state of one simulated site and the indexes that keep listings fast (children by parent, content
// by space, attachments and comments by container). Every structural change goes through the methods here so
// the indexes stay true; the rules of the API (versions, titles, permissions) live in the *-ops modules.

import type { Clock } from '../../src/common/clock.ts';
import type {
  Attachment,
  Comment,
  Content,
  Credential,
  Group,
  Label,
  Principals,
  Restrictions,
  Space,
  Template,
  User,
} from './model.ts';

export interface StoreOptions {
  clock: Clock;
  /** Site name: `<siteName>.atlassian.net` is the host pages link to. */
  siteName: string;
  /** First content id handed out; sites with different bases never share ids. */
  idBase: number;
  cloudId: string;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

export function noPrincipals(): Principals {
  return { users: [], groups: [] };
}

export function noRestrictions(): Restrictions {
  return { read: noPrincipals(), update: noPrincipals() };
}

/** Key of a tree parent: a content id, or the root of a space. */
export function parentKey(spaceId: string, parentId: string | undefined): string {
  return parentId ?? `space:${spaceId}`;
}

export class SimStore {
  readonly clock: Clock;
  readonly siteName: string;
  readonly cloudId: string;
  readonly spaces = new Map<string, Space>();
  readonly contents = new Map<string, Content>();
  readonly attachments = new Map<string, Attachment>();
  readonly comments = new Map<string, Comment>();
  readonly labels = new Map<string, Label>();
  readonly users = new Map<string, User>();
  readonly groups = new Map<string, Group>();
  readonly templates = new Map<string, Template>();
  /** Installed themes: key -> name. */
  readonly themes = new Map<string, string>([
    ['com.example.themes.documentation', 'Documentation'],
    ['com.example.themes.dark', 'Dark'],
  ]);
  readonly credentials = new Map<string, Credential>();
  /** Admin Keys in force: account id -> expiry (epoch ms). */
  readonly adminKeys = new Map<string, number>();
  readonly #spaceByKey = new Map<string, string>();
  readonly #labelByName = new Map<string, string>();
  readonly #children = new Map<string, Set<string>>();
  readonly #bySpace = new Map<string, Set<string>>();
  readonly #attachmentsOf = new Map<string, Set<string>>();
  readonly #commentsOf = new Map<string, Set<string>>();
  readonly #repliesOf = new Map<string, Set<string>>();
  #nextId: number;
  #lastStamp = 0;

  constructor(options: StoreOptions) {
    this.clock = options.clock;
    this.siteName = options.siteName;
    this.cloudId = options.cloudId;
    this.#nextId = options.idBase;
  }

  get siteHost(): string {
    return `${this.siteName}.atlassian.net`;
  }

  newId(prefix = ''): string {
    return `${prefix}${this.#nextId++}`;
  }

  /** A strictly increasing "now": two changes never share a timestamp, so modified-date order is total. */
  stamp(): number {
    this.#lastStamp = Math.max(this.clock.now().getTime(), this.#lastStamp + 1);
    return this.#lastStamp;
  }

  /** Makes later stamps come after `time` (the generator writes history in the past). */
  advancePast(time: number): void {
    this.#lastStamp = Math.max(this.#lastStamp, time);
  }

  // --- spaces, users, labels -------------------------------------------------------------------------------

  addSpace(space: Space): void {
    this.spaces.set(space.id, space);
    this.#spaceByKey.set(space.key.toUpperCase(), space.id);
  }

  spaceByKey(key: string): Space | undefined {
    const id = this.#spaceByKey.get(key.toUpperCase());
    return id === undefined ? undefined : this.spaces.get(id);
  }

  addUser(user: User): void {
    this.users.set(user.accountId, user);
  }

  userByEmail(email: string): User | undefined {
    for (const user of this.users.values()) if (user.email.toLowerCase() === email.toLowerCase()) return user;
    return undefined;
  }

  addGroup(group: Group): void {
    this.groups.set(group.id, group);
  }

  groupByName(name: string): Group | undefined {
    for (const group of this.groups.values()) if (group.name === name) return group;
    return undefined;
  }

  addCredential(credential: Credential): void {
    this.credentials.set(`${credential.kind}:${credential.secret}`, credential);
  }

  /** The label with this prefix and name, created if needed. */
  label(prefix: Label['prefix'], name: string): Label {
    const key = `${prefix}:${name.toLowerCase()}`;
    const id = this.#labelByName.get(key);
    if (id !== undefined) return this.labels.get(id)!;
    const label: Label = { id: this.newId(), name: name.toLowerCase(), prefix };
    this.labels.set(label.id, label);
    this.#labelByName.set(key, label.id);
    return label;
  }

  // --- content tree ----------------------------------------------------------------------------------------

  addContent(content: Content): void {
    this.contents.set(content.id, content);
    addTo(this.#bySpace, content.spaceId, content.id);
    if (content.kind !== 'blogpost')
      addTo(this.#children, parentKey(content.spaceId, content.parentId), content.id);
  }

  /** Moves a tree item under another parent (or the space root) at a position. */
  reparent(content: Content, parentId: string | undefined, position: number): void {
    removeFrom(this.#children, parentKey(content.spaceId, content.parentId), content.id);
    if (parentId === undefined) delete content.parentId;
    else content.parentId = parentId;
    content.position = position;
    addTo(this.#children, parentKey(content.spaceId, parentId), content.id);
  }

  /** Removes content and everything attached to it for good (purge). Children move up to its parent. */
  removeContent(id: string): void {
    const content = this.contents.get(id);
    if (!content) return;
    for (const child of this.childrenOf(content.spaceId, id))
      this.reparent(child, content.parentId, child.position ?? 0);
    for (const att of this.attachmentsOf(id)) this.removeAttachment(att.id);
    for (const comment of this.commentsOf(id)) this.removeComment(comment.id);
    removeFrom(this.#bySpace, content.spaceId, id);
    if (content.kind !== 'blogpost')
      removeFrom(this.#children, parentKey(content.spaceId, content.parentId), id);
    this.contents.delete(id);
    const space = this.spaces.get(content.spaceId);
    if (space?.homepageId === id) delete space.homepageId;
  }

  /** Tree children of a parent (any status), ordered by position then id. */
  childrenOf(spaceId: string, parentId: string | undefined): Content[] {
    const ids = this.#children.get(parentKey(spaceId, parentId));
    if (!ids) return [];
    const list = [...ids].map((id) => this.contents.get(id)!);
    return list.sort((a, b) => (a.position ?? 0) - (b.position ?? 0) || Number(a.id) - Number(b.id));
  }

  contentInSpace(spaceId: string): Content[] {
    return [...(this.#bySpace.get(spaceId) ?? [])].map((id) => this.contents.get(id)!);
  }

  /** Ancestors from the root down to the direct parent. */
  ancestorsOf(content: Content): Content[] {
    const out: Content[] = [];
    const seen = new Set<string>([content.id]);
    let parentId = content.parentId;
    while (parentId !== undefined && !seen.has(parentId)) {
      const parent = this.contents.get(parentId);
      if (!parent) break;
      seen.add(parentId);
      out.unshift(parent);
      parentId = parent.parentId;
    }
    return out;
  }

  // --- attachments and comments ----------------------------------------------------------------------------

  addAttachment(attachment: Attachment): void {
    this.attachments.set(attachment.id, attachment);
    addTo(this.#attachmentsOf, attachment.containerId, attachment.id);
  }

  attachmentsOf(containerId: string): Attachment[] {
    return [...(this.#attachmentsOf.get(containerId) ?? [])].map((id) => this.attachments.get(id)!);
  }

  removeAttachment(id: string): void {
    const att = this.attachments.get(id);
    if (!att) return;
    for (const comment of this.commentsOf(id)) this.removeComment(comment.id);
    removeFrom(this.#attachmentsOf, att.containerId, id);
    this.attachments.delete(id);
  }

  addComment(comment: Comment): void {
    this.comments.set(comment.id, comment);
    if (comment.parentCommentId === undefined) addTo(this.#commentsOf, comment.containerId, comment.id);
    else addTo(this.#repliesOf, comment.parentCommentId, comment.id);
  }

  /** Top-level comments of a page, blog post or attachment (replies hang off their parent comment). */
  commentsOf(containerId: string): Comment[] {
    return [...(this.#commentsOf.get(containerId) ?? [])].map((id) => this.comments.get(id)!);
  }

  repliesOf(commentId: string): Comment[] {
    return [...(this.#repliesOf.get(commentId) ?? [])].map((id) => this.comments.get(id)!);
  }

  removeComment(id: string): void {
    const comment = this.comments.get(id);
    if (!comment) return;
    for (const reply of this.repliesOf(id)) this.removeComment(reply.id);
    if (comment.parentCommentId === undefined) removeFrom(this.#commentsOf, comment.containerId, id);
    else removeFrom(this.#repliesOf, comment.parentCommentId, id);
    this.comments.delete(id);
  }
}
