// `diff`: what changed between two snapshots. Identical subtrees (same tree ID) are skipped without reading
// them. Changes: "+" added, "-" removed, "M" content modified, "T" type changed, "U" metadata only.

import type { TreeNode } from '../../domain/tree-node.ts';
import type { BlobReader } from '../../repository/blob-reader.ts';
import { walkTree } from '../../repository/tree/tree-walk.ts';

export type ChangeKind = '+' | '-' | 'M' | 'T' | 'U';

export interface Change {
  kind: ChangeKind;
  path: string;
  type: TreeNode['type'];
}

export interface DiffStats {
  added: number;
  removed: number;
  modified: number;
  addedBytes: number;
  removedBytes: number;
}

export async function* diffTrees(
  reader: BlobReader,
  a: string,
  b: string,
  base = '',
): AsyncGenerator<Change> {
  if (a === b) return;
  const left = new Map((await reader.readTree(a)).map((n) => [n.name, n]));
  const right = new Map((await reader.readTree(b)).map((n) => [n.name, n]));
  const names = [...new Set([...left.keys(), ...right.keys()])].sort();
  for (const name of names) {
    const path = `${base}/${name}`;
    const l = left.get(name);
    const r = right.get(name);
    if (!l) yield* everything('+', reader, r!, path);
    else if (!r) yield* everything('-', reader, l, path);
    else if (l.type !== r.type) {
      yield { kind: 'T', path, type: r.type };
    } else if (l.type === 'dir') {
      if (metadataDiffers(l, r)) yield { kind: 'U', path, type: 'dir' };
      yield* diffTrees(reader, l.subtree!, r.subtree!, path);
    } else if (!sameContent(l, r)) yield { kind: 'M', path, type: r.type };
    else if (metadataDiffers(l, r)) yield { kind: 'U', path, type: r.type };
  }
}

async function* everything(
  kind: '+' | '-',
  reader: BlobReader,
  node: TreeNode,
  path: string,
): AsyncGenerator<Change> {
  yield { kind, path, type: node.type };
  if (node.type === 'dir') {
    for await (const e of walkTree(reader, node.subtree!, path))
      yield { kind, path: e.path, type: e.node.type };
  }
}

function sameContent(a: TreeNode, b: TreeNode): boolean {
  return (
    a.size === b.size &&
    a.target === b.target &&
    a.rdev === b.rdev &&
    (a.content ?? []).length === (b.content ?? []).length &&
    (a.content ?? []).every((id, i) => id === b.content![i])
  );
}

function metadataDiffers(a: TreeNode, b: TreeNode): boolean {
  return a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.mtime !== b.mtime;
}
