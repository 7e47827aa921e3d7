// Whether a page's storage body in the target already says what a restore would write. Confluence Cloud stores
// a body in its own spelling, not byte for byte as written: it gives every macro an `ac:macro-id` (and may add
// `ac:schema-version` and `local-id` attributes), and writes void elements as `<br />`. Those differences are
// not content, so a restore that compared bytes would add a version to every page it finds already restored.
// The comparison ignores exactly those, in tags only (never in text or CDATA sections): any change of text,
// element, attribute value or whitespace outside a tag still counts.

/** CDATA sections and tags; what lies between them is text. */
const TOKEN = /<!\[CDATA\[[\s\S]*?\]\]>|<[^<>]*>/g;
/** Attributes Cloud adds or renews on write, whatever was sent. */
const VOLATILE_ATTRIBUTE = /\s(?:ac:macro-id|ac:schema-version|ac:local-id|local-id)="[^"]*"/g;
/** The void elements of storage bodies: `<br>`, `<br/>` and `<br />` are one element. */
const VOID_TAG = /^<(?:br|hr|col)(?:\s|\/|>)/;

function comparableTag(tag: string): string {
  if (tag.startsWith('<![CDATA[') || tag.startsWith('<!--') || tag.startsWith('<?')) return tag;
  let t = tag.replace(VOLATILE_ATTRIBUTE, '');
  // one spelling of a self-closing tag, and of a void element written open
  t = t.replace(/\s*\/>$/, '/>');
  if (VOID_TAG.test(t) && !t.endsWith('/>')) t = `${t.slice(0, -1).trimEnd()}/>`;
  return t;
}

/** The body in one spelling for comparison: never written anywhere. */
export function comparableStorage(storage: string): string {
  return storage.replace(TOKEN, comparableTag);
}

/** Whether two storage bodies differ only in the spelling Cloud gives a body on write. */
export function sameStorage(a: string, b: string): boolean {
  return a === b || comparableStorage(a) === comparableStorage(b);
}
