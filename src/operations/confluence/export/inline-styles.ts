// The inline styles of an export's bodies as style-sheet rules. Every exported page forbids inline style
// attributes (its Content-Security-Policy allows styles from the export's own files only), so a body's `style`
// attribute — table column widths, text colours, alignment, what safe-url.ts lets through — becomes a class of
// `assets/site.css` instead. Classes are named after their declarations, so the same style is one rule however
// many pages use it, and pages can be rendered in any order.

import { createHash } from 'node:crypto';

export class InlineStyles {
  readonly #rules = new Map<string, string>();

  /** The class that carries these (already sanitised) declarations. */
  classFor(declarations: string): string {
    const name = `st-${createHash('sha256').update(declarations).digest('hex').slice(0, 12)}`;
    this.#rules.set(name, declarations);
    return name;
  }

  /** The rules of every class handed out, in a stable order. */
  css(): string {
    return [...this.#rules]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, declarations]) => `.${name} { ${declarations}; }\n`)
      .join('');
  }
}
