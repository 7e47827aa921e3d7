// Checks of a states block as a graph: every transition names a state of the same block, every state is
// reachable from StartAt, and every reachable state can still reach an end (no cycle without a way out).

import type { ChoiceRule, State } from './definition.ts';
import type { Diagnostics } from './diagnostics.ts';

/** The states a state can go to next: Next, Default, Choice rules and Catch targets. */
export function transitionsOf(state: State): { target: string; field: string }[] {
  const out: { target: string; field: string }[] = [];
  if (typeof state.Next === 'string') out.push({ target: state.Next, field: 'Next' });
  if (typeof state.Default === 'string') out.push({ target: state.Default, field: 'Default' });
  if (Array.isArray(state.Choices)) {
    state.Choices.forEach((rule: ChoiceRule, i) => {
      if (typeof rule?.Next === 'string') out.push({ target: rule.Next, field: `Choices/${i}/Next` });
    });
  }
  if (Array.isArray(state.Catch)) {
    state.Catch.forEach((c, i) => {
      if (typeof c?.Next === 'string') out.push({ target: c.Next, field: `Catch/${i}/Next` });
    });
  }
  return out;
}

function isTerminal(state: State): boolean {
  return state.End === true || state.Type === 'Succeed' || state.Type === 'Fail';
}

export function checkGraph(
  states: Record<string, State>,
  startAt: unknown,
  base: string,
  d: Diagnostics,
): void {
  const names = Object.keys(states);
  if (typeof startAt !== 'string') return;
  if (!Object.hasOwn(states, startAt)) {
    d.error(
      'SCHEMA_VALIDATION_FAILED',
      `${base}/StartAt`,
      `StartAt '${startAt}' does not name a state of this block`,
    );
    return;
  }
  for (const name of names) {
    for (const t of transitionsOf(states[name]!)) {
      if (!Object.hasOwn(states, t.target)) {
        d.error(
          'MISSING_TRANSITION_TARGET',
          `${base}/States/${name}/${t.field}`,
          `State '${name}' goes to '${t.target}', which is not a state of this block`,
        );
      }
    }
  }
  const reachable = new Set<string>([startAt]);
  const queue = [startAt];
  while (queue.length > 0) {
    const s = states[queue.pop()!];
    if (!s) continue;
    for (const t of transitionsOf(s)) {
      if (Object.hasOwn(states, t.target) && !reachable.has(t.target)) {
        reachable.add(t.target);
        queue.push(t.target);
      }
    }
  }
  for (const name of names) {
    if (!reachable.has(name)) {
      d.error(
        'UNREACHABLE_STATE',
        `${base}/States/${name}`,
        `State '${name}' is not reachable from StartAt '${startAt}'`,
      );
    }
  }
  // States that can reach an end: a backwards search from the terminal states.
  const incoming = new Map<string, string[]>();
  for (const name of names) {
    for (const t of transitionsOf(states[name]!)) {
      const list = incoming.get(t.target) ?? [];
      list.push(name);
      incoming.set(t.target, list);
    }
  }
  const canEnd = new Set(names.filter((n) => isTerminal(states[n]!)));
  const back = [...canEnd];
  while (back.length > 0) {
    for (const from of incoming.get(back.pop()!) ?? []) {
      if (!canEnd.has(from)) {
        canEnd.add(from);
        back.push(from);
      }
    }
  }
  if (canEnd.size === 0) {
    d.error(
      'NO_TERMINAL_STATE',
      `${base}/States`,
      'No state ends the block: add "End": true, a Succeed or a Fail state',
    );
    return;
  }
  const trapped = names.filter((n) => reachable.has(n) && !canEnd.has(n));
  if (trapped.length > 0) {
    d.error(
      'CYCLE_WITHOUT_EXIT',
      `${base}/States/${trapped[0]}`,
      `States ${trapped.map((n) => `'${n}'`).join(', ')} loop forever: none of them can reach an end state`,
    );
  }
}
