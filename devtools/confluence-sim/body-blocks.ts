// A small document model between generated content and its two wire formats: one list of blocks renders to both
// the storage format (XHTML with ac:/ri: elements) and the Atlassian Document Format, so the two bodies of a
// generated page always say the same thing.

export type Inline =
  | { t: 'text'; text: string; mark?: 'strong' | 'em' | 'code' }
  /** `ac:link` to a page by space key and title in storage; ADF links by URL (`href`) instead. */
  | { t: 'pageLink'; spaceKey: string; title: string; text: string; href: string }
  /** A plain link whose URL carries a page id (`…/wiki/spaces/KEY/pages/ID/…`). */
  | { t: 'urlLink'; href: string; text: string }
  | { t: 'attachmentLink'; filename: string; fileId: string }
  | { t: 'mention'; accountId: string }
  | { t: 'status'; title: string; colour: 'Green' | 'Yellow' | 'Red' | 'Blue' | 'Grey' }
  /** Text highlighted by an inline comment. */
  | { t: 'marker'; ref: string; text: string };

export interface Task {
  id: number;
  uuid: string;
  done: boolean;
  inlines: Inline[];
}

export type Block =
  | { t: 'toc' }
  | { t: 'heading'; level: 1 | 2 | 3; inlines: Inline[] }
  | { t: 'paragraph'; inlines: Inline[] }
  | { t: 'code'; language: string; text: string }
  | { t: 'panel'; panel: 'info' | 'note' | 'warning' | 'tip'; title?: string; blocks: Block[] }
  | { t: 'expand'; title: string; blocks: Block[] }
  /** First row is the header row. */
  | { t: 'table'; rows: Inline[][][] }
  | { t: 'tasks'; items: Task[] }
  | { t: 'bullets'; items: Inline[][] }
  | { t: 'image'; filename: string; fileId: string; width: number }
  | { t: 'file'; filename: string; fileId: string };

/** Context a renderer needs beyond the blocks: the page whose attachments images and files refer to. */
export interface RenderContext {
  contentId: string;
}
