// Attachments of one restored page or blog post: every stored version uploaded in order (the first creates the
// attachment, the next ones add versions), streamed from the repository, never held whole; then the
// attachment's labels and its footer comments. The journal records each uploaded version, and an item that
// existed before this run is first listed, so a resumed restore adds no attachment twice. In place, an
// attachment that still exists is left alone when its version matches the snapshot's; otherwise the stored
// latest version is uploaded as a new version.

import type { Attachment } from '../../../sources/confluence/client/records.ts';
import { type AttachmentRecord, type ContentRecord, paths } from '../../../sources/confluence/layout.ts';
import { restoreCommentThreads } from './comments.ts';
import { attempt, documentKind, itemName, restoreLabels, type SpaceRestore } from './context.ts';

/** Attachments of the snapshot that a restore recreates (trashed ones stay out). */
export function restorableAttachments(records: AttachmentRecord[]): AttachmentRecord[] {
  return records.filter((a) => a.status !== 'trashed' && a.versions.length > 0);
}

export async function restoreAttachments(
  ctx: SpaceRestore,
  item: ContentRecord,
  newId: string,
): Promise<void> {
  const kind = documentKind(item);
  if (!kind) return;
  const records = restorableAttachments(await ctx.reader.attachments(ctx.source.key, item.id));
  if (records.length === 0) return;
  const call = ctx.signal ? { signal: ctx.signal } : {};
  const existing: Attachment[] = [];
  if (!ctx.createdNow.has(item.id) && !newId.startsWith('new:')) {
    for await (const a of ctx.client.listAttachments(kind, newId, { statuses: ['current'], ...call }))
      existing.push(a);
  }
  for (const att of records) {
    const what = `${itemName(item)}: attachment ${att.id} ${JSON.stringify(att.title)}`;
    await attempt(ctx, what, async () => {
      const newAttId = await uploadVersions(ctx, att, item.id, newId, existing);
      if (newAttId === undefined) return;
      ctx.run.attachmentIds.set(att.id, newAttId);
      const step = `attachment-extras:${att.id}`;
      if (ctx.journal.state.done.has(step)) return;
      const existed = existing.some((a) => a.id === newAttId);
      if (att.labels.length > 0)
        await restoreLabels(ctx, newAttId, att.labels, existed ? 'attachment' : undefined);
      if (att.comments.length > 0)
        await restoreCommentThreads(ctx, item, att.comments, 'footer', { attachmentId: newAttId }, undefined);
      if (!ctx.settings.dryRun) await ctx.journal.record({ t: 'done', step });
    });
  }
}

/** Uploads what is missing of one attachment; returns its id in the target. */
async function uploadVersions(
  ctx: SpaceRestore,
  att: AttachmentRecord,
  itemId: string,
  containerId: string,
  existing: Attachment[],
): Promise<string | undefined> {
  const { client, journal, report } = ctx;
  const call = ctx.signal ? { signal: ctx.signal } : {};
  const stored = att.versions;
  const latest = stored.at(-1)!;
  const journaled = journal.state.attachments.get(att.id);
  let newAttId = journaled?.id;
  let start = journaled?.versions ?? 0;
  if (journaled === undefined) {
    const sameId = ctx.settings.inPlace ? existing.find((a) => a.id === att.id) : undefined;
    if (sameId) {
      if ((sameId.version?.number ?? 0) === att.version.number) return sameId.id;
      // Changed since the snapshot: its stored latest version comes back as a new version.
      newAttId = sameId.id;
      start = stored.length - 1;
    } else {
      const named = existing.find((a) => a.title === latest.title);
      if (named) {
        newAttId = named.id;
        start = Math.min(named.version?.number ?? 1, stored.length);
      }
    }
  }
  for (let i = start; i < stored.length; i++) {
    const version = stored[i]!;
    report.counts.attachmentVersions++;
    if (i === 0) report.counts.attachments++;
    const node = await ctx.reader.lookup(
      paths.attachmentData(ctx.source.key, itemId, att.id, version.number),
    );
    report.counts.attachmentBytes += node?.size ?? version.fileSize ?? 0;
    if (ctx.settings.dryRun) continue;
    const upload = {
      filename: version.title,
      data: () => ctx.reader.attachmentData(ctx.source.key, itemId, att.id, version.number),
      ...(node?.size !== undefined ? { size: node.size } : {}),
      ...(version.mediaType ? { mediaType: version.mediaType } : {}),
      ...(version.comment ? { comment: version.comment } : {}),
      minorEdit: version.minorEdit ?? true,
    };
    const made =
      newAttId === undefined
        ? await client.uploadAttachment(containerId, { ...upload, replace: false }, call)
        : await client.uploadAttachmentVersion(containerId, newAttId, upload, call);
    newAttId = made.id;
    await journal.record({ t: 'att', old: att.id, new: newAttId, versions: i + 1 });
  }
  if (newAttId === undefined && ctx.settings.dryRun) return `new:${att.id}`;
  return newAttId;
}
