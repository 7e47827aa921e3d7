// The order in which a restore creates a page tree, and the moves that repair an order. Parents are created
// before their children and siblings in position order, so that appending each new item as its parent's last
// child rebuilds the original order without any move; a tree whose items partly existed already (an in-place
// restore, a resumed one, an existing target space) gets its order back through `reorderMoves`.

export interface TreeEntry {
  id: string;
  parentId?: string | undefined;
  position?: number | undefined;
}

function bySiblingOrder(a: TreeEntry, b: TreeEntry): number {
  const pa = a.position ?? Number.MAX_SAFE_INTEGER;
  const pb = b.position ?? Number.MAX_SAFE_INTEGER;
  if (pa !== pb) return pa - pb;
  return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Children per parent id (`undefined`: the roots), each list in sibling order. An entry whose parent is not
 * among the entries counts as a root.
 */
export function childrenByParent<T extends TreeEntry>(entries: readonly T[]): Map<string | undefined, T[]> {
  const ids = new Set(entries.map((e) => e.id));
  const out = new Map<string | undefined, T[]>();
  for (const entry of entries) {
    const parent = entry.parentId !== undefined && ids.has(entry.parentId) ? entry.parentId : undefined;
    const list = out.get(parent);
    if (list) list.push(entry);
    else out.set(parent, [entry]);
  }
  for (const list of out.values()) list.sort(bySiblingOrder);
  return out;
}

export interface CreationOrder<T> {
  /** Every entry once: parents before children, siblings in order (depth first). */
  order: T[];
  /** Entries whose parent is not among the entries (or that sit on a parent cycle): created as roots. */
  detached: T[];
}

export function creationOrder<T extends TreeEntry>(entries: readonly T[]): CreationOrder<T> {
  const children = childrenByParent(entries);
  const ids = new Set(entries.map((e) => e.id));
  const order: T[] = [];
  const visited = new Set<string>();
  const visit = (entry: T): void => {
    // An explicit stack: trees can be deeper than the call stack is comfortable with.
    const stack: T[] = [entry];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (visited.has(next.id)) continue;
      visited.add(next.id);
      order.push(next);
      const kids = children.get(next.id) ?? [];
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
  };
  const detached: T[] = [];
  for (const root of children.get(undefined) ?? []) {
    if (root.parentId !== undefined && !ids.has(root.parentId)) detached.push(root);
    visit(root);
  }
  // Whatever is left sits on a cycle of parent ids: break it at its first entry in sibling order.
  for (const entry of [...entries].sort(bySiblingOrder)) {
    if (visited.has(entry.id)) continue;
    detached.push(entry);
    visit(entry);
  }
  return { order, detached };
}

/** The entry with this id and, if asked, everything below it (in creation order). */
export function selectSubtree<T extends TreeEntry>(
  entries: readonly T[],
  rootId: string,
  withDescendants: boolean,
): T[] {
  const root = entries.find((e) => e.id === rootId);
  if (!root) return [];
  if (!withDescendants) return [root];
  const children = childrenByParent(entries);
  const out: T[] = [];
  const seen = new Set<string>();
  const stack = [root];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next.id)) continue;
    seen.add(next.id);
    out.push(next);
    const kids = children.get(next.id) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

export interface Move {
  id: string;
  position: 'before' | 'after';
  targetId: string;
}

/**
 * Moves (v1 `move/{before|after}/{target}`) that put the ids of `wanted` into that relative order among the
 * siblings `current` (the target's order, which may hold other items: they keep their places). Ids of `wanted`
 * missing from `current` are ignored. An order that is already right needs no move.
 */
export function reorderMoves(current: readonly string[], wanted: readonly string[]): Move[] {
  const present = new Set(current);
  const want = wanted.filter((id) => present.has(id));
  const wantedSet = new Set(want);
  const order = [...current];
  const moves: Move[] = [];
  const move = (id: string, position: 'before' | 'after', targetId: string) => {
    order.splice(order.indexOf(id), 1);
    order.splice(order.indexOf(targetId) + (position === 'after' ? 1 : 0), 0, id);
    moves.push({ id, position, targetId });
  };
  for (let i = 0; i < want.length; i++) {
    const id = want[i]!;
    if (i === 0) {
      const first = order.find((x) => wantedSet.has(x))!;
      if (first !== id) move(id, 'before', first);
      continue;
    }
    const previous = want[i - 1]!;
    const after = order.slice(order.indexOf(previous) + 1).find((x) => wantedSet.has(x));
    if (after !== id) move(id, 'after', previous);
  }
  return moves;
}
