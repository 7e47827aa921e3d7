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
 * missing from `current` are ignored. As few moves as can do it: the longest run of `wanted` already in order
 * stays, every other id is moved next to its predecessor in `wanted` (or before the first that stays), in
 * `wanted` order. O(n log n), for the tens of thousands of siblings of a flat space.
 */
export function reorderMoves(current: readonly string[], wanted: readonly string[]): Move[] {
  const at = new Map(current.map((id, i) => [id, i]));
  const want = wanted.filter((id) => at.has(id));
  const stays = longestIncreasing(want.map((id) => at.get(id)!));
  const moves: Move[] = [];
  const firstStaying = want.find((_, i) => stays.has(i));
  for (let i = 0; i < want.length; i++) {
    if (stays.has(i)) continue;
    if (i === 0) moves.push({ id: want[0]!, position: 'before', targetId: firstStaying! });
    else moves.push({ id: want[i]!, position: 'after', targetId: want[i - 1]! });
  }
  return moves;
}

/** Indexes of a longest strictly increasing subsequence of `values` (patience sorting). */
function longestIncreasing(values: readonly number[]): Set<number> {
  const tails: number[] = []; // tails[k]: index of the smallest tail of an increasing run of length k + 1
  const previous = new Array<number>(values.length).fill(-1);
  for (let i = 0; i < values.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tails[mid]!]! < values[i]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const out = new Set<number>();
  for (let i = tails.length > 0 ? tails[tails.length - 1]! : -1; i >= 0; i = previous[i]!) out.add(i);
  return out;
}
