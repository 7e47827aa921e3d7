// Test support: builds a directory tree on disk from a description, and describes a directory tree on disk
// (types, modes, owners, sizes, contents, mtimes to the microsecond, link targets, hard-link groups), so two
// trees can be compared exactly.

import * as fs from 'node:fs';
import * as path from 'node:path';

export type Content =
  | { kind: 'bytes'; data: Uint8Array }
  | { kind: 'sparse'; size: number; regions: { offset: number; data: Uint8Array }[] };

export type Spec =
  | { kind: 'file'; name: string; content: Content; mode: number; uid: number; gid: number; mtimeUs: number }
  | { kind: 'dir'; name: string; mode: number; mtimeUs: number; children: Spec[] }
  | { kind: 'symlink'; name: string; target: string; mtimeUs: number };

/** Creates `specs` under `dir`; hard links are added afterwards by `links` (pairs of relative paths). */
export function buildTree(dir: string, specs: readonly Spec[]): void {
  const dirs: { path: string; spec: Extract<Spec, { kind: 'dir' }> }[] = [];
  const build = (parent: string, list: readonly Spec[]) => {
    for (const spec of list) {
      const p = path.join(parent, spec.name);
      if (spec.kind === 'dir') {
        fs.mkdirSync(p);
        build(p, spec.children);
        dirs.push({ path: p, spec });
      } else if (spec.kind === 'symlink') {
        fs.symlinkSync(spec.target, p);
        fs.lutimesSync(p, spec.mtimeUs / 1e6, spec.mtimeUs / 1e6);
      } else {
        const fd = fs.openSync(p, 'w');
        if (spec.content.kind === 'bytes') fs.writeSync(fd, spec.content.data);
        else {
          fs.ftruncateSync(fd, spec.content.size);
          for (const r of spec.content.regions) fs.writeSync(fd, r.data, 0, r.data.length, r.offset);
        }
        fs.closeSync(fd);
        fs.chownSync(p, spec.uid, spec.gid);
        fs.chmodSync(p, spec.mode);
        fs.utimesSync(p, spec.mtimeUs / 1e6, spec.mtimeUs / 1e6);
      }
    }
  };
  build(dir, specs);
  // Directory metadata last (deepest first): creating entries changes a directory's mtime.
  for (const d of dirs) {
    fs.chmodSync(d.path, d.spec.mode);
    fs.utimesSync(d.path, d.spec.mtimeUs / 1e6, d.spec.mtimeUs / 1e6);
  }
}

export interface Described {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeUs: bigint;
  content?: string;
  target?: string;
  /** Index of the first path with the same inode (hard links), or -1. */
  linkGroup: number;
  sparse?: boolean;
}

/** Every entry below `root` by relative path (the root itself excluded). */
export function describeTree(root: string): Map<string, Described> {
  const out = new Map<string, Described>();
  const inodes = new Map<bigint, number>();
  let index = 0;
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(full, { bigint: true });
      const type = st.isFile()
        ? 'file'
        : st.isDirectory()
          ? 'dir'
          : st.isSymbolicLink()
            ? 'symlink'
            : 'other';
      let linkGroup = -1;
      if (type === 'file' && st.nlink > 1n) {
        linkGroup = inodes.get(st.ino) ?? index;
        inodes.set(st.ino, linkGroup);
      }
      const d: Described = {
        type,
        mode: Number(st.mode & 0o7777n),
        uid: Number(st.uid),
        gid: Number(st.gid),
        size: type === 'dir' ? 0 : Number(st.size),
        mtimeUs: st.mtimeNs / 1000n,
        linkGroup,
      };
      if (type === 'file') {
        d.content = fs.readFileSync(full).toString('base64');
        d.sparse = Number(st.blocks) * 512 < Number(st.size) - 65536;
      }
      if (type === 'symlink') d.target = fs.readlinkSync(full);
      out.set(relPath, d);
      index++;
      if (type === 'dir') walk(full, relPath);
    }
  };
  walk(root, '');
  return out;
}
