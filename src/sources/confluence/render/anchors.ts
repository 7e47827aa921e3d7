// Element ids for anchors and headings in an exported page: derived from names in the body, made safe for
// attributes and fragments, and never clashing with the ids the page template uses (those have no `a-` or
// `h-` prefix).

import { safeIdentifier } from './html-escape.ts';

export function anchorId(name: string): string {
  return `a-${safeIdentifier(name)}`;
}

export function headingId(index: number): string {
  return `h-${index}`;
}
