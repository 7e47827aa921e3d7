// A value as a CQL string literal: in double quotes, with quotes and backslashes escaped, so a title or key
// cannot end the literal and add clauses of its own.

export function cqlString(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
