// What a Confluence restore did, would do (dry run), could not do, and could not preserve: counters, the list
// of items that were not restored (the CLI exits 3 when it is not empty), what it changed of what the target held,
// and warnings about what Confluence Cloud cannot carry over (they do not make the restore partial).

export interface RestoreCounts {
  spacesCreated: number;
  /** Pages, blog posts, folders, whiteboards, databases and smart links created. */
  itemsCreated: Record<string, number>;
  /** Items that already existed in the target (same id in place, found by title, or the space homepage). */
  itemsFound: number;
  /** New versions written: rolled-back pages and bodies rewritten once every new id was known. */
  versionsWritten: number;
  itemsUntrashed: number;
  itemsMoved: number;
  itemsTrashed: number;
  attachments: number;
  attachmentVersions: number;
  attachmentBytes: number;
  footerComments: number;
  inlineComments: number;
  labels: number;
  properties: number;
  /** Unpublished changes of published pages saved again as drafts. */
  pendingDrafts: number;
  restrictions: number;
  spacePermissions: number;
  spaceProperties: number;
  /** Page templates created in the target spaces. */
  templates: number;
  /** Space settings, themes and looks and feel written. */
  spaceSettings: number;
}

export function emptyCounts(): RestoreCounts {
  return {
    spacesCreated: 0,
    itemsCreated: {},
    itemsFound: 0,
    versionsWritten: 0,
    itemsUntrashed: 0,
    itemsMoved: 0,
    itemsTrashed: 0,
    attachments: 0,
    attachmentVersions: 0,
    attachmentBytes: 0,
    footerComments: 0,
    inlineComments: 0,
    labels: 0,
    properties: 0,
    pendingDrafts: 0,
    restrictions: 0,
    spacePermissions: 0,
    spaceProperties: 0,
    templates: 0,
    spaceSettings: 0,
  };
}

/** Something of the snapshot that is not in the target after the restore. */
export interface NotRestored {
  /** Space key in the snapshot. */
  space: string;
  /** What, e.g. `page 123 "Title": inline comment 456`. */
  item: string;
  reason: string;
}

/** Something the target held before the restore that the restore changed (e.g. a body rolled back). */
export interface Changed {
  /** Space key in the snapshot. */
  space: string;
  item: string;
  what: string;
}

export class RestoreReport {
  readonly counts = emptyCounts();
  readonly notRestored: NotRestored[] = [];
  /** What the restore changed of what the target held (in a dry run: would change). */
  readonly changes: Changed[] = [];
  readonly #warnings = new Map<string, number>();

  created(type: string): void {
    this.counts.itemsCreated[type] = (this.counts.itemsCreated[type] ?? 0) + 1;
  }

  failed(space: string, item: string, reason: string): void {
    this.notRestored.push({ space, item, reason });
  }

  changed(space: string, item: string, what: string): void {
    this.changes.push({ space, item, what });
  }

  /** A warning; repeated ones are counted, not repeated. */
  warn(text: string): void {
    this.#warnings.set(text, (this.#warnings.get(text) ?? 0) + 1);
  }

  warnings(): string[] {
    return [...this.#warnings].map(([text, n]) => (n > 1 ? `${text} (${n} times)` : text));
  }
}

/** `page 123 "Title"`: how reports name a content item. */
export function describeItem(item: { type: string; id: string; title: string }): string {
  return `${item.type} ${item.id} ${JSON.stringify(item.title)}`;
}
