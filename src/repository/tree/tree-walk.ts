// Depth-first iteration over a snapshot tree, in name order: each entry with its path ("/a/b").

import type { TreeNode } from '../../domain/tree-node.ts';
import type { BlobReader } from '../blob-reader.ts';

export interface WalkedNode {
  path: string;
  node: TreeNode;
}

/** Yields every entry below `tree`; `enter` may return false to skip a directory's contents. */
export async function* walkTree(
  reader: BlobReader,
  tree: string,
  base = '',
  enter: (entry: WalkedNode) => boolean = () => true,
): AsyncGenerator<WalkedNode> {
  for (const node of await reader.readTree(tree)) {
    const entry = { path: `${base}/${node.name}`, node };
    yield entry;
    if (node.type === 'dir' && node.subtree && enter(entry))
      yield* walkTree(reader, node.subtree, entry.path, enter);
  }
}
