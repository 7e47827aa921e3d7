// Encoding of tree blobs: a directory's entries as canonical JSON ({"nodes":[…]}, sorted by name, fixed key
// order), so an unchanged directory always encodes to the same bytes and therefore the same blob ID. Decoding
// treats the bytes as hostile: every field is checked and a bad tree is `corrupt`, never a crash.

import { StepvaultError } from '../../common/errors.ts';
import { compareNames } from '../../domain/tree-name-order.ts';
import { NODE_TYPES, type NodeType, type TreeNode, unsafeNameReason } from '../../domain/tree-node.ts';

const HEX_ID = /^[0-9a-f]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,30})$/;
const SIGNED_DECIMAL = /^-?(0|[1-9][0-9]{0,30})$/;

/** Canonical form of a node: keys in a fixed order, absent fields omitted. */
function canonical(n: TreeNode): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: n.name,
    type: n.type,
    mode: n.mode,
    uid: n.uid,
    gid: n.gid,
    mtime: n.mtime,
  };
  if (n.ctime !== undefined) out.ctime = n.ctime;
  if (n.inode !== undefined) out.inode = n.inode;
  if (n.device !== undefined) out.device = n.device;
  if (n.links !== undefined) out.links = n.links;
  if (n.size !== undefined) out.size = n.size;
  if (n.content !== undefined) out.content = n.content;
  if (n.subtree !== undefined) out.subtree = n.subtree;
  if (n.target !== undefined) out.target = n.target;
  if (n.rdev !== undefined) out.rdev = n.rdev;
  return out;
}

export function encodeTree(nodes: readonly TreeNode[]): Buffer {
  const sorted = [...nodes].sort((a, b) => compareNames(a.name, b.name));
  return Buffer.from(JSON.stringify({ nodes: sorted.map(canonical) }));
}

export function decodeTree(bytes: Uint8Array, id: string): TreeNode[] {
  const fail = (why: string) =>
    new StepvaultError('corrupt', `tree ${id} is invalid: ${why}`, {
      hint: 'run `stepvault check` to list the snapshots that contain it',
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw fail('not JSON');
  }
  const list = (parsed as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(list)) throw fail('no "nodes" list');
  const nodes: TreeNode[] = [];
  let previous: string | undefined;
  for (const raw of list) {
    const node = decodeNode(raw, fail);
    if (previous !== undefined && compareNames(previous, node.name) >= 0) {
      throw fail(`entries are not sorted or "${node.name}" appears twice`);
    }
    previous = node.name;
    nodes.push(node);
  }
  return nodes;
}

function decodeNode(raw: unknown, fail: (why: string) => Error): TreeNode {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail('an entry is not an object');
  const r = raw as Record<string, unknown>;
  const unsafe = unsafeNameReason(r.name);
  if (unsafe) throw fail(`unsafe entry name ${JSON.stringify(r.name)}: ${unsafe}`);
  const name = r.name as string;
  const bad = (field: string) => fail(`entry "${name}" has an invalid ${field}`);
  if (!NODE_TYPES.includes(r.type as NodeType)) throw bad('type');
  const type = r.type as NodeType;
  const uint = (v: unknown, max: number) =>
    Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max;
  if (!uint(r.mode, 0o7777)) throw bad('mode');
  if (!uint(r.uid, 2 ** 32 - 1) || !uint(r.gid, 2 ** 32 - 1)) throw bad('owner');
  if (typeof r.mtime !== 'string' || !SIGNED_DECIMAL.test(r.mtime)) throw bad('mtime');
  const node: TreeNode = {
    name,
    type,
    mode: r.mode as number,
    uid: r.uid as number,
    gid: r.gid as number,
    mtime: r.mtime,
  };
  for (const field of ['ctime', 'inode', 'device', 'rdev'] as const) {
    const v = r[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !(field === 'ctime' ? SIGNED_DECIMAL : DECIMAL).test(v)) throw bad(field);
    node[field] = v;
  }
  if (r.links !== undefined) {
    if (!uint(r.links, 2 ** 32)) throw bad('links');
    node.links = r.links as number;
  }
  if (type === 'file') {
    if (!uint(r.size, Number.MAX_SAFE_INTEGER)) throw bad('size');
    if (!Array.isArray(r.content) || !r.content.every((c) => typeof c === 'string' && HEX_ID.test(c))) {
      throw bad('content list');
    }
    node.size = r.size as number;
    node.content = r.content as string[];
  } else if (r.size !== undefined || r.content !== undefined)
    throw fail(`entry "${name}" is a ${type} with content`);
  if (type === 'dir') {
    if (typeof r.subtree !== 'string' || !HEX_ID.test(r.subtree)) throw bad('subtree');
    node.subtree = r.subtree;
  } else if (r.subtree !== undefined) throw fail(`entry "${name}" is a ${type} with a subtree`);
  if (type === 'symlink') {
    if (typeof r.target !== 'string' || r.target.length === 0 || r.target.includes('\0'))
      throw bad('symlink target');
    node.target = r.target;
  } else if (r.target !== undefined) throw fail(`entry "${name}" is a ${type} with a link target`);
  return node;
}
