// The representations of a stored body: `storage`, `atlas_doc_format` (ADF as a JSON string) and a rough `view`
// (HTML) for the formats only single-item GETs offer. Also turns a client's body write into a stored Body.

import { randomUUID } from 'node:crypto';
import { recipeBlocks } from './body-recipe.ts';
import { adfToStorage, storageText, storageToAdf } from './convert-bodies.ts';
import type { Body } from './model.ts';
import { renderAdf } from './render-adf.ts';
import { escapeXml, renderStorage } from './render-storage.ts';

export type BodyFormat =
  | 'storage'
  | 'atlas_doc_format'
  | 'view'
  | 'export_view'
  | 'styled_view'
  | 'anonymous_export_view';

export const BULK_FORMATS = ['storage', 'atlas_doc_format'] as const;
export const SINGLE_FORMATS = [
  'storage',
  'atlas_doc_format',
  'view',
  'export_view',
  'anonymous_export_view',
  'styled_view',
  'editor',
] as const;

export function storageOf(body: Body): string {
  switch (body.kind) {
    case 'recipe':
      return renderStorage(recipeBlocks(body.recipe));
    case 'storage':
      return body.value;
    case 'adf':
      return adfToStorage(body.value) ?? '';
    case 'empty':
      return '';
  }
}

export function adfOf(body: Body): string {
  switch (body.kind) {
    case 'recipe':
      return JSON.stringify(renderAdf(recipeBlocks(body.recipe), { contentId: body.recipe.contentId }));
    case 'storage':
      return storageToAdf(body.value);
    case 'adf':
      return body.value;
    case 'empty':
      return JSON.stringify({ type: 'doc', version: 1, content: [] });
  }
}

/** Rendered HTML: the text of each top-level paragraph-like element; macros are not rendered. */
export function viewOf(body: Body): string {
  const storage = storageOf(body);
  return storage
    .split(/(?=<(?:h[1-6]|p|table|ul|ol|ac:structured-macro|ac:task-list)[\s>])/)
    .map((part) => storageText(part).trim())
    .filter((text) => text !== '')
    .map((text) => `<p>${escapeXml(text)}</p>`)
    .join('');
}

/** `{ representation, value }` of one format, as bulk and single responses carry it. */
export function bodyIn(body: Body, format: string): { representation: string; value: string } {
  if (format === 'storage') return { representation: 'storage', value: storageOf(body) };
  if (format === 'atlas_doc_format') return { representation: 'atlas_doc_format', value: adfOf(body) };
  if (format === 'editor') return { representation: 'editor', value: storageOf(body) };
  return { representation: format, value: viewOf(body) };
}

export interface BodyWrite {
  representation?: unknown;
  value?: unknown;
  storage?: { value?: unknown };
  atlas_doc_format?: { value?: unknown };
  wiki?: { value?: unknown };
}

/**
 * A storage body as Cloud keeps what it was sent: every macro without an `ac:macro-id` is given a new one, and
 * `<br>` and `<br/>` are written `<br />` (in tags only: CDATA sections and text stay as sent). So a body read
 * back is not byte for byte the one written, as on a real site.
 */
export function cloudSpelling(storage: string): string {
  return storage.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<[^<>]*>/g, (tag) => {
    if (tag.startsWith('<ac:structured-macro') && !/\sac:macro-id="/.test(tag))
      return tag.replace('<ac:structured-macro', `<ac:structured-macro ac:macro-id="${randomUUID()}"`);
    if (/^<br\s*\/?>$/.test(tag)) return '<br />';
    return tag;
  });
}

/** The Body a write request asks for, or an error message for a body the API would refuse. */
export function bodyFromWrite(write: BodyWrite | undefined): Body | string {
  if (write === undefined || write === null) return { kind: 'empty' };
  let representation = write.representation;
  let value = write.value;
  if (representation === undefined) {
    const nested = (['storage', 'atlas_doc_format', 'wiki'] as const).find((k) => write[k] !== undefined);
    if (nested === undefined) return 'body must have a representation and a value';
    representation = nested;
    value = write[nested]?.value;
  }
  if (typeof value !== 'string') return 'body.value must be a string';
  switch (representation) {
    case 'storage':
      return { kind: 'storage', value: cloudSpelling(value) };
    case 'atlas_doc_format':
      return adfToStorage(value) === undefined
        ? 'body.value is not a valid ADF document'
        : { kind: 'adf', value };
    case 'wiki':
      return { kind: 'storage', value: value === '' ? '' : `<p>${escapeXml(value)}</p>` };
    default:
      return `unsupported body representation: ${String(representation)}`;
  }
}
