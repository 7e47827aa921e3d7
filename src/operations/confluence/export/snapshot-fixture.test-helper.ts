// Builds a real Confluence snapshot (layout stepvault-confluence/1) in an in-memory repository from records, for
// export tests: the same tree builder, content writer and snapshot store a backup uses, read back through
// ConfluenceSnapshotReader.

import { BlobReader } from '../../../repository/blob-reader.ts';
import { ContentWriter } from '../../../repository/content-writer.ts';
import { MasterIndex } from '../../../repository/index/master-index.ts';
import { Repository } from '../../../repository/repository.ts';
import { RepositoryWriter } from '../../../repository/repository-writer.ts';
import { loadSnapshot, saveSnapshot } from '../../../repository/snapshot/snapshot-store.ts';
import { TreeBuilder } from '../../../repository/tree/tree-builder.ts';
import {
  type AttachmentRecord,
  type CommentRecord,
  type ContentMeta,
  type ContentRecord,
  encodeRecord,
  type HistoricalVersion,
  LAYOUT_FORMAT,
  paths,
  type SiteRecord,
  type SpaceRecord,
} from '../../../sources/confluence/layout.ts';
import { MemoryBackend } from '../../../storage/memory/memory-backend.ts';
import { ConfluenceSnapshotReader } from '../snapshot-reader.ts';

export interface FixtureItem {
  record: ContentRecord;
  storage?: string;
  meta?: ContentMeta;
  comments?: CommentRecord[];
  /** `data` undefined: the record lists a version whose bytes are not stored. */
  attachments?: { record: AttachmentRecord; data: Buffer | undefined }[];
  history?: HistoricalVersion[];
}

export interface FixtureSpace {
  record: SpaceRecord;
  items: FixtureItem[];
}

const T = '2026-01-02T03:04:05.000Z';

export function site(overrides: Partial<SiteRecord> = {}): SiteRecord {
  return {
    format: LAYOUT_FORMAT,
    site: 'https://acme.atlassian.net',
    time: T,
    options: {
      spaces: [],
      includeArchivedSpaces: true,
      statuses: ['current', 'archived', 'trashed'],
      history: 'latest',
      attachmentVersions: 'latest',
      drafts: false,
      adminKey: false,
    },
    watermarks: {},
    swept: true,
    ...overrides,
  };
}

export function space(key: string, overrides: Partial<SpaceRecord> = {}): SpaceRecord {
  return {
    id: `9${key.length}`,
    key,
    name: `${key} space`,
    status: 'current',
    description: '',
    ...overrides,
  };
}

export function content(id: string, title: string, overrides: Partial<ContentRecord> = {}): ContentRecord {
  return {
    id,
    type: 'page',
    status: 'current',
    title,
    spaceId: '1',
    version: { number: 1, createdAt: T, authorId: 'acc-1' },
    createdAt: T,
    ...overrides,
  };
}

export function attachment(id: string, title: string, data: Buffer, mediaType = 'application/octet-stream') {
  const record: AttachmentRecord = {
    id,
    status: 'current',
    title,
    mediaType,
    fileSize: data.length,
    version: { number: 1, createdAt: T },
    labels: [],
    comments: [],
    versions: [{ number: 1, title, mediaType, fileSize: data.length }],
  };
  return { record, data };
}

/** Builds the snapshot and opens a reader on it. */
export async function buildConfluenceSnapshot(
  spaces: FixtureSpace[],
  siteRecord: SiteRecord = site(),
): Promise<ConfluenceSnapshotReader> {
  const repo = await Repository.init(new MemoryBackend(), 'pw', {
    kdf: { algorithm: 'argon2id', memoryKiB: 256, passes: 1, parallelism: 1 },
    chunker: { min: 256, avg: 1024, max: 4096 },
    packSize: 64 * 1024,
  });
  const index = new MasterIndex();
  const writer = new RepositoryWriter(repo, index);
  const store = new ContentWriter(repo, writer, index);
  const tree = new TreeBuilder();
  const add = async (path: string, bytes: Buffer) => tree.addFile(path, await store.storeBytes(bytes), T);
  await add(paths.site(), encodeRecord(siteRecord));
  for (const s of spaces) {
    const key = s.record.key;
    await add(paths.space(key), encodeRecord(s.record));
    await add(paths.spaceMeta(key), encodeRecord({ labels: [], properties: [], permissions: [] }));
    tree.addDir(paths.contentDir(key));
    for (const item of s.items) {
      const id = item.record.id;
      await add(paths.item(key, id), encodeRecord(item.record));
      if (item.storage !== undefined) await add(paths.body(key, id, 'storage'), Buffer.from(item.storage));
      if (item.meta) await add(paths.meta(key, id), encodeRecord(item.meta));
      if (item.comments) await add(paths.comments(key, id), encodeRecord(item.comments));
      for (const a of item.attachments ?? []) {
        await add(paths.attachment(key, id, a.record.id), encodeRecord(a.record));
        if (a.data) await add(paths.attachmentData(key, id, a.record.id, a.record.version.number), a.data);
      }
      for (const h of item.history ?? [])
        await add(paths.history(key, id, h.version.number), encodeRecord(h));
    }
  }
  const root = await tree.write(writer);
  await writer.flush();
  const id = await saveSnapshot(repo, {
    version: 1,
    time: T,
    host: 'test',
    username: 'test',
    paths: [siteRecord.site],
    tags: [],
    tree: root,
    source: { type: 'confluence', site: siteRecord.site, spaces: [], format: LAYOUT_FORMAT },
    program: 'stepvault test',
  });
  return ConfluenceSnapshotReader.from(new BlobReader(repo, index), await loadSnapshot(repo, id));
}
