// Planning a files restore: walks the snapshot tree below the chosen root, applies include and exclude
// patterns, and groups every blob the selected files need by the pack that holds it, so each pack is read once
// however many files share its blobs. Hard links (same device and inode, more than one link) are restored once
// and linked.

import { StepvaultError } from '../../common/errors.ts';
import type { TreeNode } from '../../domain/tree-node.ts';
import type { BlobReader } from '../../repository/blob-reader.ts';
import type { RestoreBlob } from '../../repository/pipeline/pack-job.ts';
import { ExcludeFilter } from '../../sources/files/exclude-filter.ts';

export interface PlannedEntry {
  /** The directory it is in (undefined: the restore's root). */
  parent: PlannedEntry | undefined;
  node: TreeNode;
}

/** An entry's path below the restore target, as components (kept as parent links: one array per file would be
 * most of a large restore's memory). */
export function componentsOf(entry: PlannedEntry): string[] {
  const components: string[] = [];
  for (let e: PlannedEntry | undefined = entry; e; e = e.parent) components.push(e.node.name);
  return components.reverse();
}

export interface PlannedFile extends PlannedEntry {
  /** Index of the file already restored that this one is a hard link to. */
  linkTo?: number;
  /** The one pack holding all of the file's data, if there is one (the worker restoring it then owns the file). */
  pack?: string;
}

export interface PackPlan {
  pack: string;
  salt: Buffer;
  blobs: RestoreBlob[];
}

export interface RestorePlan {
  dirs: PlannedEntry[];
  files: PlannedFile[];
  /** Symlinks, FIFOs, devices, sockets: made after all files. */
  others: PlannedEntry[];
  packs: PackPlan[];
  /** Files that cannot be restored because their data is not in the index, with why. */
  unrestorable: Map<number, string>;
  /** Trees that could not be read: everything below them is missing from the restore. */
  brokenTrees: { path: string; error: string }[];
  totalBytes: number;
}

export interface PlanOptions {
  includes?: readonly string[];
  excludes?: readonly string[];
  /**
   * A further choice of non-directory entries by snapshot path ("/a/b"), after includes and excludes; with it,
   * only directories that lead to a chosen entry are restored.
   */
  select?: (path: string) => boolean;
}

export async function planRestore(
  reader: BlobReader,
  rootTree: string,
  /** The root's path within the snapshot ("/" or e.g. "/home/u"), for matching patterns. */
  rootPath: string,
  options: PlanOptions,
): Promise<RestorePlan> {
  const plan: RestorePlan = {
    dirs: [],
    files: [],
    others: [],
    packs: [],
    unrestorable: new Map(),
    brokenTrees: [],
    totalBytes: 0,
  };
  const exclude = new ExcludeFilter(options.excludes ?? []);
  const include = options.includes?.length ? new ExcludeFilter(options.includes) : undefined;
  const links = new Map<string, number>();
  const packs = new Map<string, PackPlan & { byId: Map<string, RestoreBlob> }>();

  const addFile = (entry: PlannedFile): void => {
    const index = plan.files.length;
    plan.files.push(entry);
    const { node } = entry;
    if (node.links !== undefined && node.links > 1 && node.inode !== undefined && node.device !== undefined) {
      const key = `${node.device}:${node.inode}`;
      const first = links.get(key);
      if (first !== undefined) {
        entry.linkTo = first;
        return;
      }
      links.set(key, index);
    }
    // Validate the whole file before queueing any of its blobs: a file that cannot be restored whole gets none.
    const locations = [];
    let size = 0;
    for (const id of node.content ?? []) {
      const location = reader.index.lookup(id);
      if (!location) {
        plan.unrestorable.set(index, `its data blob ${id} is not in the repository`);
        return;
      }
      locations.push({ id, location });
      size += location.entry.rawLength;
    }
    if (size !== node.size) {
      plan.unrestorable.set(
        index,
        `its blobs add up to ${size} bytes, but the snapshot records ${node.size}`,
      );
      return;
    }
    const packsOfFile = new Set(locations.map((l) => l.location.pack.name));
    if (packsOfFile.size === 1) entry.pack = [...packsOfFile][0]!;
    let offset = 0;
    for (const { id, location } of locations) {
      let pack = packs.get(location.pack.name);
      if (!pack) {
        pack = { pack: location.pack.name, salt: location.pack.salt, blobs: [], byId: new Map() };
        packs.set(pack.pack, pack);
      }
      let blob = pack.byId.get(id);
      if (!blob) {
        const e = location.entry;
        blob = {
          position: location.position,
          offset: e.offset,
          length: e.length,
          rawLength: e.rawLength,
          compressed: e.compressed,
          type: e.type,
          id,
          targets: [],
        };
        pack.byId.set(id, blob);
        pack.blobs.push(blob);
      }
      blob.targets.push({ file: index, offset });
      offset += location.entry.rawLength;
    }
    plan.totalBytes += offset;
  };

  const walk = async (
    tree: string,
    parent: PlannedEntry | undefined,
    path: string,
    included: boolean,
  ): Promise<boolean> => {
    let nodes: TreeNode[];
    try {
      nodes = await reader.readTree(tree);
    } catch (e) {
      plan.brokenTrees.push({
        path: path || '/',
        error: e instanceof StepvaultError ? e.message : String(e),
      });
      return false;
    }
    let any = false;
    for (const node of nodes) {
      const nodePath = `${path}/${node.name}`;
      if (!exclude.empty && exclude.excludes(nodePath)) continue;
      const selected = included || !include || include.excludes(nodePath);
      if (node.type === 'dir') {
        const at = plan.dirs.length;
        const dir: PlannedEntry = { parent, node };
        plan.dirs.push(dir);
        const inside = await walk(node.subtree!, dir, nodePath, selected);
        if (!inside && (!selected || options.select)) plan.dirs.splice(at, 1);
        else any = true;
      } else if (selected && (options.select?.(nodePath) ?? true)) {
        any = true;
        if (node.type === 'file') addFile({ parent, node });
        else plan.others.push({ parent, node });
      }
    }
    return any;
  };

  await walk(rootTree, undefined, rootPath === '/' ? '' : rootPath, false);
  for (const pack of packs.values()) {
    pack.blobs.sort((a, b) => a.offset - b.offset);
    plan.packs.push({ pack: pack.pack, salt: pack.salt, blobs: pack.blobs });
  }
  return plan;
}

/** Finds the tree of a directory inside a snapshot ("/home/u" → its subtree ID). */
export async function subtreeAt(reader: BlobReader, rootTree: string, path: string): Promise<string> {
  let tree = rootTree;
  for (const part of path.split('/').filter(Boolean)) {
    const node = (await reader.readTree(tree)).find((n) => n.name === part);
    if (!node)
      throw new StepvaultError('not-found', `${path} is not in the snapshot`, { hint: 'see `stepvault ls`' });
    if (node.type !== 'dir') throw new StepvaultError('usage', `${path} is not a directory in the snapshot`);
    tree = node.subtree!;
  }
  return tree;
}
