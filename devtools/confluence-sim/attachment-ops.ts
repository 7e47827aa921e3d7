// Attachments: create (one file name per container), new versions, trash and purge. Each version has its own
// media file id, the id ADF media nodes refer to.

import type { ByteSource } from './attachment-bytes.ts';
import type { Attachment, AttachmentVersion, Content } from './model.ts';
import { pseudoUuid } from './prng.ts';
import { badRequest, notFound } from './sim-error.ts';
import type { SimStore } from './store.ts';

export interface AttachmentInput {
  filename: string;
  bytes: ByteSource;
  mediaType?: string;
  comment?: string;
  minorEdit?: boolean;
  authorId: string;
  /** Creation time; defaults to now. */
  at?: number;
}

const MEDIA_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  log: 'text/plain',
  json: 'application/json',
  xml: 'application/xml',
  zip: 'application/zip',
  bin: 'application/octet-stream',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export function mediaTypeFor(filename: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase() ?? '';
  return MEDIA_TYPES[ext] ?? 'application/octet-stream';
}

export function currentVersion(att: Attachment): AttachmentVersion {
  return att.versions.at(-1)!;
}

export function attachmentNamed(
  store: SimStore,
  containerId: string,
  filename: string,
): Attachment | undefined {
  return store
    .attachmentsOf(containerId)
    .find((a) => a.status !== 'trashed' && currentVersion(a).title === filename);
}

function version(
  store: SimStore,
  att: Attachment,
  number: number,
  input: AttachmentInput,
): AttachmentVersion {
  return {
    number,
    createdAt: input.at ?? store.stamp(),
    authorId: input.authorId,
    message: input.comment ?? '',
    minorEdit: input.minorEdit ?? false,
    title: input.filename,
    mediaType: input.mediaType ?? mediaTypeFor(input.filename),
    comment: input.comment ?? '',
    fileId: pseudoUuid(store.siteName, att.id, number),
    bytes: input.bytes,
  };
}

export function createAttachment(store: SimStore, container: Content, input: AttachmentInput): Attachment {
  if (container.kind !== 'page' && container.kind !== 'blogpost') {
    throw badRequest('Attachments can only be added to pages and blog posts');
  }
  if (input.filename === '' || input.filename.includes('/'))
    throw badRequest(`Invalid file name ${input.filename}`);
  if (attachmentNamed(store, container.id, input.filename)) {
    throw badRequest(
      `Cannot add a new attachment with same file name as an existing attachment: ${input.filename}`,
    );
  }
  const att: Attachment = {
    id: store.newId('att'),
    containerId: container.id,
    status: 'current',
    createdAt: 0,
    versions: [],
    labels: [],
    properties: [],
  };
  const first = version(store, att, 1, input);
  att.createdAt = first.createdAt;
  att.versions.push(first);
  store.addAttachment(att);
  return att;
}

export function addAttachmentVersion(store: SimStore, att: Attachment, input: AttachmentInput): Attachment {
  att.versions.push(version(store, att, currentVersion(att).number + 1, input));
  if (att.status === 'trashed') att.status = 'current';
  return att;
}

/** v2 DELETE: trash, or purge a trashed attachment. */
export function deleteAttachment(store: SimStore, att: Attachment, purge: boolean): void {
  if (purge) {
    if (att.status !== 'trashed') throw badRequest('Only trashed attachments can be purged');
    store.removeAttachment(att.id);
    return;
  }
  if (att.status === 'trashed') throw notFound(`Attachment ${att.id}`);
  att.status = 'trashed';
}
