// Duplicates in cursor listings under concurrent edits. Confluence's cursors are keyset positions: an item
// edited while a listing runs can move past the cursor and come again, with its new version. The client's
// lists drop exact repeats (same id and version) themselves; an item that comes twice with two versions is
// passed on both times, and whoever keeps items by id keeps the newest with `keepNewest`.

/** What dedupe needs of an item: its id and, when it has one, its version number. */
export interface Versioned {
  id: string;
  version?: { number: number } | null | undefined;
}

export function versionOf(item: Versioned): number {
  return item.version?.number ?? 0;
}

/** Remembers which (id, version) pairs a listing already yielded. */
export class SeenVersions {
  readonly #seen = new Map<string, Set<number>>();

  /** True the first time this id comes with this version. */
  firstTime(item: Versioned): boolean {
    const version = versionOf(item);
    let versions = this.#seen.get(item.id);
    if (!versions) {
      versions = new Set();
      this.#seen.set(item.id, versions);
    }
    if (versions.has(version)) return false;
    versions.add(version);
    return true;
  }
}

/** Keeps, per id, the item with the highest version number (the later one on a tie). */
export function keepNewest<T extends Versioned>(map: Map<string, T>, item: T): void {
  const held = map.get(item.id);
  if (!held || versionOf(item) >= versionOf(held)) map.set(item.id, item);
}

/** Collects a listing into one item per id, the newest version of each. */
export async function collectNewest<T extends Versioned>(items: AsyncIterable<T>): Promise<T[]> {
  const map = new Map<string, T>();
  for await (const item of items) keepNewest(map, item);
  return [...map.values()];
}
