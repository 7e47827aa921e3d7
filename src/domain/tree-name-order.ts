// The order of entries in a tree: by UTF-16 code units of the name, as JavaScript compares strings. Fixed so that
// an unchanged directory always encodes to the same tree.

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
