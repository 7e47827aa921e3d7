// Inline comments on restore. Confluence anchors an inline comment to an `ac:inline-comment-marker` in the page
// body, but the API cannot write a marker for a new comment: a body is written without the markers of the
// comments to be recreated, then each comment is created with the text it highlights and which occurrence of
// that text it belongs to (`textSelection`, `textSelectionMatchCount`, `textSelectionMatchIndex`); Confluence
// wraps that occurrence in a new marker. This module computes those anchors from the stored body.
//
// Occurrences are counted as Confluence counts them: the XML-escaped selection, found in text (not inside a tag,
// a CDATA section or across a tag boundary), overlapping matches included. Markers already placed stay in the
// body and do not change the count; markers not yet placed are unwrapped.

const MARKER = /<ac:inline-comment-marker\s+ac:ref="([^"]*)"\s*>([\s\S]*?)<\/ac:inline-comment-marker>/g;

export interface InlineMarker {
  ref: string;
  /** The marked text as it stands in the body (XML-escaped). */
  inner: string;
}

export function escapeXmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/** The inline comment markers of a body, in order. */
export function inlineMarkers(storage: string): InlineMarker[] {
  return [...storage.matchAll(MARKER)].map((m) => ({ ref: m[1]!, inner: m[2]! }));
}

/** The body with the markers for which `unwrap(ref)` holds replaced by their text. @default every marker */
export function unwrapMarkers(storage: string, unwrap: (ref: string) => boolean = () => true): string {
  return storage.replace(MARKER, (whole, ref: string, inner: string) => (unwrap(ref) ? inner : whole));
}

/**
 * The body with only the markers `keep` names (by ref), each under the ref `keep` gives it (the one it has in the
 * target's page); the others are unwrapped.
 */
export function keepMarkers(storage: string, keep: ReadonlyMap<string, string>): string {
  return storage.replace(MARKER, (whole, ref: string, inner: string) => {
    const to = keep.get(ref);
    if (to === undefined) return inner;
    return to === ref
      ? whole
      : `<ac:inline-comment-marker ac:ref="${escapeXmlText(to)}">${inner}</ac:inline-comment-marker>`;
  });
}

/** Start offsets of `needle` in the text of `storage` (outside tags, not crossing one), overlapping included. */
export function textOccurrences(storage: string, needle: string): number[] {
  const out: number[] = [];
  if (needle === '') return out;
  for (let at = storage.indexOf(needle); at >= 0; at = storage.indexOf(needle, at + 1)) {
    const insideTag = storage.lastIndexOf('<', at) > storage.lastIndexOf('>', at);
    const span = storage.slice(at, at + needle.length);
    if (!insideTag && !span.includes('<') && !span.includes('>')) out.push(at);
  }
  return out;
}

export interface InlineAnchor {
  textSelection: string;
  textSelectionMatchCount: number;
  textSelectionMatchIndex: number;
}

export type AnchorOutcome = { ok: true; anchor: InlineAnchor } | { ok: false; reason: string };

/**
 * The anchor of the comment whose marker is `ref` in `storage` (the body as the restore means it, with every
 * marker), given the refs whose comments are already placed (their markers exist in the target body).
 */
export function anchorFor(
  storage: string,
  ref: string,
  selection: string,
  placed: ReadonlySet<string>,
): AnchorOutcome {
  const needle = escapeXmlText(selection);
  if (needle === '') return { ok: false, reason: 'the comment has no highlighted text' };
  let start = -1;
  let inner = '';
  const model = storage.replace(MARKER, (whole, markerRef: string, text: string, offset: number) => {
    if (placed.has(markerRef) && markerRef !== ref) return whole;
    if (markerRef === ref && start < 0) {
      start = offset;
      inner = text;
    }
    return text;
  });
  if (start < 0) return { ok: false, reason: 'its marker is not in the page body' };
  if (inner !== needle) return { ok: false, reason: 'the highlighted text no longer matches the page' };
  // `start` is an offset in the original; recompute it in the model (markers before it may have been unwrapped).
  const before = storage
    .slice(0, start)
    .replace(MARKER, (whole, markerRef: string, text: string) =>
      placed.has(markerRef) && markerRef !== ref ? whole : text,
    );
  const found = textOccurrences(model, needle);
  const index = found.indexOf(before.length);
  if (index < 0) return { ok: false, reason: 'the highlighted text is not plain text in the page' };
  return {
    ok: true,
    anchor: {
      textSelection: selection,
      textSelectionMatchCount: found.length,
      textSelectionMatchIndex: index,
    },
  };
}
