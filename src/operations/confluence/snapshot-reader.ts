// Reads a Confluence snapshot (layout `stepvault-confluence/1`, docs/confluence-layout.md) record by record:
// the site, spaces, content items, bodies, metadata, comments, attachments (their data streamed blob by blob,
// never whole) and history. Restore and export code against this class, never against tree paths.
// Directory listings are looked up through per-tree name maps, so a space with many items costs one tree read.

import { forEachConcurrently } from '../../common/concurrency.ts';
import { StepvaultError } from '../../common/errors.ts';
import type { StoredSnapshot } from '../../domain/snapshot.ts';
import type { TreeNode } from '../../domain/tree-node.ts';
import { BlobReader } from '../../repository/blob-reader.ts';
import { loadIndexForReading } from '../../repository/index/adopt-packs.ts';
import type { Repository } from '../../repository/repository.ts';
import { listSnapshots, resolveSnapshot } from '../../repository/snapshot/snapshot-store.ts';
import {
  type AttachmentRecord,
  attachmentRecordSchema,
  type BodyFormat,
  type CommentRecord,
  type ContentMeta,
  type ContentRecord,
  commentsFileSchema,
  contentMetaSchema,
  contentRecordSchema,
  type DraftRecord,
  draftRecordSchema,
  type HistoricalVersion,
  historicalVersionSchema,
  parseRecord,
  parseVersionFileName,
  paths,
  type SiteRecord,
  type SpaceMeta,
  type SpaceRecord,
  siteRecordSchema,
  spaceMetaSchema,
  spaceRecordSchema,
  type UsersFile,
  usersFileSchema,
} from '../../sources/confluence/layout.ts';

const READ_CONCURRENCY = 16;

export class ConfluenceSnapshotReader {
  readonly snapshot: StoredSnapshot;
  readonly blobs: BlobReader;
  readonly #dirs = new Map<string, Map<string, TreeNode>>();

  private constructor(blobs: BlobReader, snapshot: StoredSnapshot) {
    this.blobs = blobs;
    this.snapshot = snapshot;
  }

  /** Opens a snapshot by ID, ID prefix or "latest" (the newest Confluence snapshot). */
  static async open(repo: Repository, snapshotIdOrPrefix: string): Promise<ConfluenceSnapshotReader> {
    const { index } = await loadIndexForReading(repo);
    const { snapshots } = await listSnapshots(repo);
    const candidates =
      snapshotIdOrPrefix === 'latest' ? snapshots.filter((s) => s.source.type === 'confluence') : snapshots;
    const snapshot = resolveSnapshot(candidates, snapshotIdOrPrefix);
    return ConfluenceSnapshotReader.from(new BlobReader(repo, index), snapshot);
  }

  /** A reader over a snapshot the caller already resolved. Refuses snapshots that are not Confluence ones. */
  static from(blobs: BlobReader, snapshot: StoredSnapshot): ConfluenceSnapshotReader {
    if (snapshot.source.type !== 'confluence') {
      throw new StepvaultError('usage', `snapshot ${snapshot.id.slice(0, 8)} is not a Confluence backup`, {
        hint: `it is a ${snapshot.source.type} snapshot; pick one made by \`stepvault backup confluence\``,
      });
    }
    return new ConfluenceSnapshotReader(blobs, snapshot);
  }

  async site(): Promise<SiteRecord> {
    return this.#record(paths.site(), siteRecordSchema);
  }

  /** The users directory: account ids with their names (empty for a snapshot made before there was one). */
  async users(): Promise<UsersFile['users']> {
    if (!(await this.lookup(paths.users()))) return [];
    return (await this.#record(paths.users(), usersFileSchema)).users;
  }

  /** Every space in the snapshot, by key. */
  async spaces(): Promise<SpaceRecord[]> {
    const keys = (await this.list(paths.spaces())).filter((n) => n.type === 'dir').map((n) => n.name);
    return this.#mapConcurrently(keys, (key) => this.#record(paths.space(key), spaceRecordSchema));
  }

  async spaceMeta(spaceKey: string): Promise<SpaceMeta> {
    return this.#record(paths.spaceMeta(spaceKey), spaceMetaSchema);
  }

  /** Every content item of the space (all types and statuses), in id order. */
  async items(spaceKey: string): Promise<ContentRecord[]> {
    return this.#mapConcurrently(await this.#itemIds(spaceKey), (id) => this.item(spaceKey, id));
  }

  /** Hands every content item of the space to `take` as it is read (several at once, in no order). */
  async forEachItem(spaceKey: string, take: (record: ContentRecord) => void): Promise<void> {
    await forEachConcurrently(await this.#itemIds(spaceKey), READ_CONCURRENCY, async (id) => {
      take(await this.item(spaceKey, id));
    });
  }

  /** The ids of every content item of the space, in id order. */
  async #itemIds(spaceKey: string): Promise<string[]> {
    return (await this.list(paths.contentDir(spaceKey)))
      .filter((n) => n.type === 'dir')
      .map((n) => n.name)
      .sort(byNumber);
  }

  async item(spaceKey: string, id: string): Promise<ContentRecord> {
    return this.#record(paths.item(spaceKey, id), contentRecordSchema);
  }

  /** The body in one representation (ADF as its JSON text), or undefined for items without bodies. */
  async body(spaceKey: string, id: string, format: BodyFormat): Promise<string | undefined> {
    const node = await this.lookup(paths.body(spaceKey, id, format));
    return node ? (await this.readFile(node)).toString('utf8') : undefined;
  }

  async meta(spaceKey: string, id: string): Promise<ContentMeta> {
    const path = paths.meta(spaceKey, id);
    if (!(await this.lookup(path)))
      return {
        labels: [],
        properties: [],
        restrictions: { read: { users: [], groups: [] }, update: { users: [], groups: [] } },
        groupNames: {},
      };
    return this.#record(path, contentMetaSchema);
  }

  /** Footer and inline comments (top level, replies nested), oldest first. */
  async comments(spaceKey: string, id: string): Promise<CommentRecord[]> {
    const path = paths.comments(spaceKey, id);
    if (!(await this.lookup(path))) return [];
    return this.#record(path, commentsFileSchema);
  }

  async attachments(spaceKey: string, id: string): Promise<AttachmentRecord[]> {
    const dir = paths.attachmentsDir(spaceKey, id);
    if (!(await this.lookup(dir))) return [];
    const ids = (await this.list(dir)).filter((n) => n.type === 'dir').map((n) => n.name);
    return this.#mapConcurrently(ids, (attId) =>
      this.#record(paths.attachment(spaceKey, id, attId), attachmentRecordSchema),
    );
  }

  /**
   * The bytes of an attachment version (the latest stored one by default), streamed one blob at a time.
   * Throws `not-found` if that version was not stored (see `AttachmentRecord.versions`).
   */
  async *attachmentData(
    spaceKey: string,
    id: string,
    attachmentId: string,
    version?: number,
  ): AsyncIterable<Uint8Array> {
    let n = version;
    if (n === undefined) {
      const record = await this.#record(paths.attachment(spaceKey, id, attachmentId), attachmentRecordSchema);
      n = record.versions.at(-1)?.number ?? record.version.number;
    }
    const path = paths.attachmentData(spaceKey, id, attachmentId, n);
    const node = await this.lookup(path);
    if (node?.type !== 'file')
      throw new StepvaultError('not-found', `${path} is not in snapshot ${this.snapshot.id.slice(0, 8)}`, {
        hint: 'that attachment version was not backed up (see --attachment-versions)',
      });
    for (const blob of node.content ?? []) yield await this.blobs.read(blob);
  }

  /** Older versions of a page or blog post (history: all), oldest first; empty when history was not kept. */
  async history(spaceKey: string, id: string): Promise<HistoricalVersion[]> {
    const dir = paths.historyDir(spaceKey, id);
    if (!(await this.lookup(dir))) return [];
    const numbers = (await this.list(dir))
      .map((n) => parseVersionFileName(n.name, '.json'))
      .filter((n): n is number => n !== undefined)
      .sort((a, b) => a - b);
    return this.#mapConcurrently(numbers, (n) =>
      this.#record(paths.history(spaceKey, id, n), historicalVersionSchema),
    );
  }

  /** Unpublished changes of a published page or blog post (backups made with --drafts), if it has any. */
  async draft(spaceKey: string, id: string): Promise<{ record: DraftRecord; storage: string } | undefined> {
    const node = await this.lookup(paths.draftBody(spaceKey, id));
    if (!node) return undefined;
    const record = await this.#record(paths.draft(spaceKey, id), draftRecordSchema);
    return { record, storage: (await this.readFile(node)).toString('utf8') };
  }

  // ------------------------------------------------------------------------- tree access (also for backup)

  /** The node at a path ("/spaces/KEY/…"), or undefined. */
  async lookup(path: string): Promise<TreeNode | undefined> {
    const names = path.split('/').filter((n) => n.length > 0);
    let tree = this.snapshot.tree;
    let node: TreeNode | undefined;
    for (const name of names) {
      if (node && (node.type !== 'dir' || !node.subtree)) return undefined;
      if (node) tree = node.subtree!;
      node = (await this.#dir(tree)).get(name);
      if (!node) return undefined;
    }
    return node;
  }

  /** The entries of the directory at a path (empty if there is none). */
  async list(path: string): Promise<TreeNode[]> {
    const tree = path.split('/').some((n) => n.length > 0)
      ? (await this.lookup(path))?.subtree
      : this.snapshot.tree;
    if (!tree) return [];
    return [...(await this.#dir(tree)).values()];
  }

  /** The entries of a directory node, by name, read from its subtree without walking from the root. */
  async entries(dir: TreeNode): Promise<Map<string, TreeNode>> {
    return dir.type === 'dir' && dir.subtree ? this.#dir(dir.subtree) : new Map();
  }

  /** A file's whole content (records and bodies: small). */
  async readFile(node: TreeNode): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (const blob of node.content ?? []) parts.push(await this.blobs.read(blob));
    return Buffer.concat(parts);
  }

  async #dir(tree: string): Promise<Map<string, TreeNode>> {
    let map = this.#dirs.get(tree);
    if (!map) {
      map = new Map((await this.blobs.readTree(tree)).map((n) => [n.name, n]));
      if (this.#dirs.size >= 1024) this.#dirs.delete(this.#dirs.keys().next().value!);
      this.#dirs.set(tree, map);
    }
    return map;
  }

  async #record<T>(path: string, schema: Parameters<typeof parseRecord<T>>[0]): Promise<T> {
    const node = await this.lookup(path);
    if (node?.type !== 'file')
      throw new StepvaultError('not-found', `${path} is not in snapshot ${this.snapshot.id.slice(0, 8)}`);
    return parseRecord(schema, (await this.readFile(node)).toString('utf8'), path);
  }

  async #mapConcurrently<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
    const out = new Array<R>(items.length);
    const indexed = items.map((item, i) => ({ item, i }));
    await forEachConcurrently(indexed, READ_CONCURRENCY, async ({ item, i }) => {
      out[i] = await fn(item);
    });
    return out;
  }
}

function byNumber(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
