// Whether the principals a snapshot names exist on the target site, asked once each. Users are the same
// accounts on every site. Group ids differ between sites: a group the target does not know by its id is looked
// up by the name the snapshot recorded, the target's group of that name takes its place, and a warning names each
// group so mapped (left out instead, a read restriction would open the page to the whole space).

import type { SpaceRestore } from './context.ts';

/** Whether principals exist on the target, asked once each; groups by id, else by their recorded name. */
export class Principals {
  readonly #users = new Map<string, Promise<boolean>>();
  readonly #groups = new Map<string, Promise<string | undefined>>();
  readonly #ctx: SpaceRestore;

  constructor(ctx: SpaceRestore) {
    this.#ctx = ctx;
  }

  user(id: string): Promise<boolean> {
    let known = this.#users.get(id);
    if (!known) {
      known = this.#ctx.client.getUser(id, this.#call()).then((u) => u !== undefined);
      this.#users.set(id, known);
    }
    return known;
  }

  /** The target's id for the snapshot's group `id` (named `name` there), or undefined when it has no such group. */
  group(id: string, name: string | undefined): Promise<string | undefined> {
    let known = this.#groups.get(id);
    if (!known) {
      known = this.#find(id, name);
      this.#groups.set(id, known);
    }
    return known;
  }

  async #find(id: string, name: string | undefined): Promise<string | undefined> {
    const { client, report, source } = this.#ctx;
    if (await client.getGroup(id, this.#call())) return id;
    if (name === undefined) return undefined;
    const same = await client.getGroupByName(name, this.#call());
    if (!same) return undefined;
    report.warn(
      `space ${source.key}: group "${name}" is not on the target under its id ${id}; restrictions and permissions name the target's group "${same.name}" (${same.id}) instead`,
    );
    return same.id;
  }

  #call() {
    return this.#ctx.signal ? { signal: this.#ctx.signal } : {};
  }
}
