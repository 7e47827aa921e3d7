// What an incremental Confluence backup needs of its parent snapshot: the stored records of each space's items
// (read once per space into a sealed on-disk spool, then one at a time: a large site's records are never all in
// the heap), the tree nodes of an item's files (to graft them without reading), and which items
// and attachments the parent itself could not back up (its `partial.missing`), which are never reused whole.

import { DiskSpool } from '../../../common/disk-spool.ts';
import type { TreeNode } from '../../../domain/tree-node.ts';
import {
  type AttachmentRecord,
  attachmentRecordSchema,
  type CommentRecord,
  type ContentRecord,
  commentsFileSchema,
  parseRecord,
  paths,
  type SiteRecord,
} from '../../../sources/confluence/layout.ts';
import type { ConfluenceSnapshotReader } from '../snapshot-reader.ts';

/** `space KEY page 123 'Title'` and `…: attachment att456 v2`: how missing items are named. */
export function missingItemPath(
  spaceKey: string,
  item: Pick<ContentRecord, 'type' | 'id' | 'title'>,
): string {
  return `space ${spaceKey} ${item.type} ${item.id} '${item.title}'`;
}

export function missingAttachmentPath(
  spaceKey: string,
  item: Pick<ContentRecord, 'type' | 'id' | 'title'>,
  attachmentId: string,
  version: number,
): string {
  return `${missingItemPath(spaceKey, item)}: attachment ${attachmentId} v${version}`;
}

const MISSING = /^space (\S+) [a-z]+ ([0-9]+) /;

/** The parent's item records of one space, by id. */
export interface ParentItems {
  get(id: string): ContentRecord | undefined;
  has(id: string): boolean;
  /** All of them. */
  values(): ContentRecord[];
}

export class ParentState {
  readonly reader: ConfluenceSnapshotReader;
  readonly site: SiteRecord;
  /** Ids of items the parent recorded as (partly) missing. */
  readonly incomplete: ReadonlySet<string>;
  readonly #items = new Map<string, Promise<ParentItems>>();
  readonly #records = new DiskSpool<ContentRecord>();

  constructor(reader: ConfluenceSnapshotReader, site: SiteRecord) {
    this.reader = reader;
    this.site = site;
    const incomplete = new Set<string>();
    for (const m of reader.snapshot.partial?.missing ?? []) {
      const match = MISSING.exec(m.path);
      if (match) incomplete.add(match[2]!);
    }
    this.incomplete = incomplete;
  }

  static async open(reader: ConfluenceSnapshotReader): Promise<ParentState> {
    return new ParentState(reader, await reader.site());
  }

  async hasSpace(key: string): Promise<boolean> {
    return (await this.reader.lookup(paths.spaceDir(key))) !== undefined;
  }

  /** The parent's item records of a space, by id (none if the space was not in the parent). */
  items(key: string): Promise<ParentItems> {
    let items = this.#items.get(key);
    if (!items) {
      items = this.#spoolItems(key);
      this.#items.set(key, items);
    }
    return items;
  }

  /** Deletes the spooled records. */
  close(): void {
    this.#records.close();
  }

  async #spoolItems(key: string): Promise<ParentItems> {
    const records = this.#records;
    const at = (id: string) => `${key}/${id}`;
    if (await this.hasSpace(key))
      await this.reader.forEachItem(key, (record) => records.put(at(record.id), key, 0, record));
    return {
      get: (id) => records.get(at(id)),
      has: (id) => records.has(at(id)),
      values: () => records.group(key),
    };
  }

  async node(path: string): Promise<TreeNode | undefined> {
    return this.reader.lookup(path);
  }

  /** The entries of a directory of the parent, by name. */
  async files(path: string): Promise<Map<string, TreeNode>> {
    return new Map((await this.reader.list(path)).map((n) => [n.name, n]));
  }

  async comments(key: string, id: string): Promise<CommentRecord[] | undefined> {
    const node = await this.node(paths.comments(key, id));
    if (!node) return undefined;
    return parseRecord(
      commentsFileSchema,
      (await this.reader.readFile(node)).toString('utf8'),
      paths.comments(key, id),
    );
  }

  async attachment(key: string, id: string, attId: string): Promise<AttachmentRecord | undefined> {
    const path = paths.attachment(key, id, attId);
    const node = await this.node(path);
    if (!node) return undefined;
    return parseRecord(attachmentRecordSchema, (await this.reader.readFile(node)).toString('utf8'), path);
  }

  async readText(node: TreeNode): Promise<string> {
    return (await this.reader.readFile(node)).toString('utf8');
  }
}
