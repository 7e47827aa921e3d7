// A definition prepared for running: every states block (top level, Parallel branches, Map processors) gets a
// key so scopes can name the block they run, and state lookups fail loudly instead of returning undefined.

import {
  type Branch,
  processorOf,
  type QueryLanguage,
  type State,
  type StateMachineDefinition,
} from '../asl/definition.ts';

export interface Block {
  key: string;
  startAt: string;
  states: Record<string, State>;
}

export class CompiledDefinition {
  readonly definition: StateMachineDefinition;
  readonly queryLanguage: QueryLanguage | undefined;
  readonly #blocks = new Map<string, Block>();

  constructor(definition: StateMachineDefinition) {
    this.definition = definition;
    this.queryLanguage = definition.QueryLanguage;
    this.#add('', definition);
  }

  #add(key: string, branch: Branch | StateMachineDefinition): void {
    this.#blocks.set(key, { key, startAt: branch.StartAt, states: branch.States });
    for (const [name, state] of Object.entries(branch.States ?? {})) {
      state.Branches?.forEach((b, i) => {
        this.#add(branchKey(key, name, i), b);
      });
      const processor = processorOf(state);
      if (processor) this.#add(processorKey(key, name), processor);
    }
  }

  block(key: string): Block {
    const block = this.#blocks.get(key);
    if (!block) throw new Error(`no states block '${key}' in the definition`);
    return block;
  }

  state(blockKey: string, name: string): State {
    const state = this.block(blockKey).states[name];
    if (!state) throw new Error(`no state '${name}' in block '${blockKey}'`);
    return state;
  }

  /** A block as a stand-alone state machine (a distributed Map's child executions run it). */
  asDefinition(blockKey: string): StateMachineDefinition {
    const block = this.block(blockKey);
    const def: StateMachineDefinition = { StartAt: block.startAt, States: block.states };
    if (this.queryLanguage) def.QueryLanguage = this.queryLanguage;
    return def;
  }
}

export function branchKey(parent: string, stateName: string, index: number): string {
  return `${parent}/${stateName}[${index}]`;
}

export function processorKey(parent: string, stateName: string): string {
  return `${parent}/${stateName}`;
}
