// Changes to a running site for incremental-backup tests: new versions of a share of the pages, renames, moves,
// trash/restore/purge, and the changes that do not bump a page's version (labels, properties, restrictions,
// moves). Each method acts like a user editing in the browser and returns what it changed.

import type { ByteSource } from './attachment-bytes.ts';
import { addAttachmentVersion, createAttachment } from './attachment-ops.ts';
import { createFooterComment } from './comment-ops.ts';
import {
  createContent,
  moveUnder,
  purge,
  restoreFromTrash,
  retitle,
  trash,
  updateContent,
} from './content-ops.ts';
import { ADMIN_ACCOUNT_ID } from './directory.ts';
import { addLabels, createProperty, removeLabel, updateProperty } from './metadata-ops.ts';
import type { Attachment, Body, Content, Principals } from './model.ts';
import { hash32, Prng } from './prng.ts';
import { notFound } from './sim-error.ts';
import type { SimStore } from './store.ts';
import { title as makeTitle, sentence } from './text-corpus.ts';

export interface EditSelection {
  /** Share of the matching pages to change (0-1). */
  fraction?: number;
  /** Exact number of pages to change (instead of `fraction`). */
  count?: number;
  /** Exactly these ids. */
  ids?: string[];
  /** Which pages are picked for a fraction or count. @default 1 */
  seed?: number;
  /** @default ['page'] */
  kinds?: ('page' | 'blogpost')[];
}

export class SimEdits {
  readonly #store: SimStore;
  readonly #authorId: string;

  constructor(store: SimStore, authorId = ADMIN_ACCOUNT_ID) {
    this.#store = store;
    this.#authorId = authorId;
  }

  #content(id: string): Content {
    const content = this.#store.contents.get(id);
    if (!content) throw notFound(`Content ${id}`);
    return content;
  }

  /** Ids chosen by a selection, among current pages (or blog posts) in current spaces. */
  select(selection: EditSelection): string[] {
    if (selection.ids) return [...selection.ids];
    const kinds = selection.kinds ?? ['page'];
    const seed = selection.seed ?? 1;
    const pool = [...this.#store.contents.values()]
      .filter((c) => (kinds as string[]).includes(c.kind) && c.status === 'current')
      .map((c) => c.id)
      .sort((a, b) => hash32(seed, a) - hash32(seed, b) || Number(a) - Number(b));
    const count = selection.count ?? Math.round(pool.length * (selection.fraction ?? 0));
    return pool.slice(0, count);
  }

  #nextBody(content: Content, seed: number): Body {
    const body = content.versions.at(-1)!.body;
    if (body.kind === 'recipe')
      return {
        kind: 'recipe',
        recipe: { ...body.recipe, seed: hash32(seed, content.id, content.versions.length) },
      };
    const storage = body.kind === 'storage' ? body.value : '';
    return { kind: 'storage', value: `${storage}<p>${sentence(new Prng(seed, content.id))}</p>` };
  }

  /** A new version of each selected page (same title, new body); returns the ids. */
  editPages(selection: EditSelection): string[] {
    const ids = this.select(selection);
    for (const id of ids) this.editPage(id, { seed: selection.seed ?? 1 });
    return ids;
  }

  editPage(
    id: string,
    change: { title?: string; storage?: string; message?: string; seed?: number } = {},
  ): Content {
    const content = this.#content(id);
    const latest = content.versions.at(-1)!;
    const body: Body =
      change.storage !== undefined
        ? { kind: 'storage', value: change.storage }
        : this.#nextBody(content, change.seed ?? 1);
    return updateContent(this.#store, content, {
      title: change.title ?? latest.title,
      body,
      status: 'current',
      versionNumber: latest.number + 1,
      message: change.message ?? 'edited',
      authorId: this.#authorId,
    });
  }

  renamePage(id: string, title: string): Content {
    return retitle(this.#store, this.#content(id), title, this.#authorId);
  }

  /** Moves under another parent (or to the space root with `null`); no new version. */
  movePage(id: string, parentId: string | null): Content {
    const content = this.#content(id);
    moveUnder(this.#store, content, parentId === null ? undefined : this.#content(parentId));
    return content;
  }

  trashPage(id: string): void {
    trash(this.#store, this.#content(id));
  }

  restorePage(id: string): void {
    restoreFromTrash(this.#store, this.#content(id));
  }

  /** Trashes (if needed) and purges: the page disappears from every listing. */
  purgePage(id: string): void {
    const content = this.#content(id);
    if (content.status !== 'trashed') trash(this.#store, content);
    purge(this.#store, content);
  }

  archivePage(id: string): void {
    this.#content(id).status = 'archived';
  }

  createPage(input: { spaceId: string; title: string; parentId?: string; storage?: string }): Content {
    return createContent(this.#store, {
      kind: 'page',
      spaceId: input.spaceId,
      title: input.title,
      ...(input.parentId !== undefined ? { parentId: input.parentId } : {}),
      body: { kind: 'storage', value: input.storage ?? `<p>${input.title}</p>` },
      authorId: this.#authorId,
    });
  }

  /** Adds a label to a page, blog post or attachment; no new version. */
  addLabel(id: string, name: string, prefix: 'global' | 'my' | 'team' = 'global'): void {
    addLabels(this.#store, this.#labelled(id), [{ prefix, name }]);
  }

  removeLabel(id: string, name: string): void {
    removeLabel(this.#store, this.#labelled(id), name);
  }

  #labelled(id: string): Content | Attachment {
    const att = this.#store.attachments.get(id);
    return att ?? this.#content(id);
  }

  /** Creates or updates a content property (the property's own version goes up, the page's does not). */
  setProperty(id: string, key: string, value: unknown): void {
    const content = this.#content(id);
    const existing = content.properties.find((p) => p.key === key);
    if (existing)
      updateProperty(
        this.#store,
        existing,
        { value, versionNumber: existing.version.number + 1 },
        this.#authorId,
      );
    else createProperty(this.#store, content, key, value, this.#authorId);
  }

  setRestrictions(id: string, restrictions: { read?: Principals; update?: Principals }): void {
    const content = this.#content(id);
    if (restrictions.read) content.restrictions.read = structuredClone(restrictions.read);
    if (restrictions.update) content.restrictions.update = structuredClone(restrictions.update);
  }

  addAttachment(containerId: string, filename: string, bytes: ByteSource): Attachment {
    return createAttachment(this.#store, this.#content(containerId), {
      filename,
      bytes,
      authorId: this.#authorId,
    });
  }

  addAttachmentVersion(attachmentId: string, bytes: ByteSource): Attachment {
    const att = this.#store.attachments.get(attachmentId);
    if (!att) throw notFound(`Attachment ${attachmentId}`);
    return addAttachmentVersion(this.#store, att, {
      filename: att.versions.at(-1)!.title,
      bytes,
      authorId: this.#authorId,
    });
  }

  addComment(containerId: string, storage: string): string {
    return createFooterComment(this.#store, { containerId, body: storage, authorId: this.#authorId }).id;
  }

  /** One random change (create, edit, move, trash or purge a page), as another user might make during a backup. */
  randomChange(seed: number): string {
    const rng = new Prng('random-change', seed);
    const pages = [...this.#store.contents.values()].filter(
      (c) => c.kind === 'page' && c.status === 'current',
    );
    if (pages.length === 0) return 'nothing to change';
    const page = rng.pick(pages);
    switch (rng.int(0, 4)) {
      case 0: {
        const created = this.createPage({
          spaceId: page.spaceId,
          title: `${makeTitle(rng)} ${rng.uint32()}`,
          parentId: page.id,
        });
        return `created page ${created.id}`;
      }
      case 1:
        this.editPage(page.id, { seed });
        return `edited page ${page.id}`;
      case 2: {
        const targets = pages.filter(
          (p) => p.spaceId === page.spaceId && p.id !== page.id && !this.#store.ancestorsOf(p).includes(page),
        );
        if (targets.length === 0) return 'nothing to move';
        const target = rng.pick(targets);
        this.movePage(page.id, target.id);
        return `moved page ${page.id} under ${target.id}`;
      }
      case 3:
        if (this.#store.spaces.get(page.spaceId)?.homepageId === page.id) return 'kept the homepage';
        this.trashPage(page.id);
        return `trashed page ${page.id}`;
      default:
        if (this.#store.spaces.get(page.spaceId)?.homepageId === page.id) return 'kept the homepage';
        this.purgePage(page.id);
        return `purged page ${page.id}`;
    }
  }
}
