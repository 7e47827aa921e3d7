// What a snapshot records: when, where from, which paths, its tree, its parent, and what the backup that made
// it saw. Pure data and the rules for selecting snapshots; storage lives in repository/snapshot.

export interface SnapshotSummary {
  backupStart: string;
  backupEnd: string;
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  dirsNew: number;
  dirsChanged: number;
  dirsUnmodified: number;
  dataBlobs: number;
  treeBlobs: number;
  /** Bytes of new, not previously stored content (before compression). */
  dataAdded: number;
  /** What the new content takes in the repository (compressed and encrypted). */
  dataAddedPacked: number;
  totalFilesProcessed: number;
  totalBytesProcessed: number;
  errors: number;
}

export interface SnapshotSource {
  /** "files", "confluence", "postgres" … */
  type: string;
  [key: string]: unknown;
}

export interface MissingItem {
  path: string;
  error: string;
}

export interface Snapshot {
  version: 1;
  time: string;
  host: string;
  username: string;
  paths: string[];
  tags: string[];
  parent?: string;
  tree: string;
  source: SnapshotSource;
  excludes?: string[];
  program: string;
  summary?: SnapshotSummary;
  /** Present when some items could not be backed up: the snapshot is incomplete and lists them. */
  partial?: { missing: MissingItem[] };
  /** Present in a copy made by `copy`: the ID of the snapshot first copied (kept along a chain of copies). */
  original?: string;
  /** The heads of the repository's snapshot chain when this snapshot was written (their entry names). */
  chain?: string[];
}

export interface StoredSnapshot extends Snapshot {
  /** The snapshot's object name: SHA-256 of its stored bytes, in hex. */
  id: string;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** restic's meaning: any of the hosts; any of the tag entries, each "a,b" requiring all its tags; all paths. */
export interface SnapshotFilter {
  hosts?: readonly string[];
  /** Each entry is "a,b" (all of these tags); a snapshot matches if any entry matches. */
  tags?: readonly string[];
  /** Snapshots whose paths include all of these. */
  paths?: readonly string[];
}

export function matchesFilter(s: Snapshot, filter: SnapshotFilter): boolean {
  if (filter.hosts?.length && !filter.hosts.includes(s.host)) return false;
  if (filter.tags?.length && !filter.tags.some((t) => tagMatches(s, t))) return false;
  if (filter.paths?.length && !filter.paths.every((p) => s.paths.includes(p))) return false;
  return true;
}

/** A tag filter "a,b" requires both tags; a plain "a" requires a. */
function tagMatches(s: Snapshot, spec: string): boolean {
  return spec.split(',').every((t) => s.tags.includes(t));
}

/** Newest first, by time, then by id for a stable order. */
export function newestFirst(a: StoredSnapshot, b: StoredSnapshot): number {
  return b.time.localeCompare(a.time) || a.id.localeCompare(b.id);
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}
