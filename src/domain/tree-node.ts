// The vocabulary of snapshot trees: what a directory entry records. Sources produce nodes, the repository
// stores them in tree blobs, restore turns them back into files. Pure data, no I/O.

export const NODE_TYPES = ['file', 'dir', 'symlink', 'fifo', 'chardev', 'blockdev', 'socket'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export interface TreeNode {
  /** One path component: never empty, ".", "..", and never contains "/" or NUL. */
  name: string;
  type: NodeType;
  /** Permission bits, including setuid, setgid and sticky (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time in nanoseconds since the epoch, as a decimal string (exact). */
  mtime: string;
  /** Status change time (ns, decimal string): with size, mtime and inode, how unchanged files are recognised. */
  ctime?: string;
  inode?: string;
  device?: string;
  /** Hard link count; with device and inode it lets restore recreate hard links. */
  links?: number;
  /** Files: size in bytes. */
  size?: number;
  /** Files: the data blob IDs (hex) whose plaintexts concatenated are the content. */
  content?: string[];
  /** Directories: the tree blob ID (hex) of the directory's entries. */
  subtree?: string;
  /** Symlinks: the link's target, as stored (restore never follows it). */
  target?: string;
  /** Character and block devices: the device number. */
  rdev?: string;
}

/** Why a name cannot be a single, safe path component, or undefined if it can. */
export function unsafeNameReason(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'empty name';
  if (name === '.' || name === '..') return `"${name}" is not a file name`;
  if (name.includes('/')) return 'name contains "/"';
  if (name.includes('\0')) return 'name contains NUL';
  if (name.length > 4096) return 'name is longer than 4096 characters';
  return undefined;
}
