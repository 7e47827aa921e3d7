// The account ids a backup's records and bodies name, gathered as they are stored, for the snapshot's users
// directory (users.json): authors and owners, the users of restrictions, user principals of permissions, and
// users mentioned in storage bodies (`<ri:user ri:account-id="…"/>`, also in historical versions' bodies).

const ACCOUNT_KEYS = new Set(['authorId', 'ownerId', 'accountId']);
const MENTION = /ri:account-id\s*=\s*"([^"]+)"/g;
/** What Atlassian account ids look like (`557058:…`, `712020:<uuid>`, 24 hex digits): nothing else is taken. */
const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9:_-]{0,127}$/;

export class AccountIds {
  readonly #ids = new Set<string>();

  /** Notes every account id in a record (any depth); returns the record, to be encoded. */
  see<T>(value: T): T {
    this.#walk(value, 0);
    return value;
  }

  /** Notes every user a storage body mentions. */
  seeBody(storage: string): void {
    for (const m of storage.matchAll(MENTION)) this.#note(m[1]!);
  }

  #note(id: string): void {
    if (ACCOUNT_ID.test(id)) this.#ids.add(id);
  }

  add(ids: Iterable<string>): void {
    for (const id of ids) this.#ids.add(id);
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Sorted. */
  ids(): string[] {
    return [...this.#ids].sort();
  }

  #walk(value: unknown, depth: number): void {
    if (depth > 64 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const v of value) this.#walk(v, depth + 1);
      return;
    }
    const record = value as Record<string, unknown>;
    for (const [key, v] of Object.entries(record)) {
      // A content property's value is an app's own JSON: its "accountId" keys are not ours to believe.
      if (key === 'value') continue;
      if (typeof v === 'string') {
        if (ACCOUNT_KEYS.has(key)) this.#note(v);
        else if (key === 'storage') this.seeBody(v);
      } else if (key === 'users' && Array.isArray(v)) {
        for (const u of v) if (typeof u === 'string') this.#note(u);
      } else if (key === 'principal' && v && typeof v === 'object') {
        const p = v as { type?: unknown; id?: unknown };
        if (p.type === 'user' && typeof p.id === 'string') this.#note(p.id);
      } else this.#walk(v, depth + 1);
    }
  }
}
