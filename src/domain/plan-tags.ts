// The tags backup plans put on snapshots, and the rules that read them. A plan's snapshot carries `plan:<plan>`
// and `rule:<rule>` (retention of a rule applies to its own snapshots, as AWS Backup's lifecycle does) and
// `run:<key>` (the run that made it: a task re-run after a crash finds its snapshot instead of making another).
// The anomaly guard adds `anomaly` to a suspect snapshot and `protected` to the last good one before it;
// retention always keeps `protected` snapshots.

import { StepvaultError } from '../common/errors.ts';

export const ANOMALY_TAG = 'anomaly';
export const PROTECTED_TAG = 'protected';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Plan and rule names become tags and execution names: letters, digits, `_`, `.`, `-` (up to 64). */
export function checkPlanName(kind: 'plan' | 'rule', name: string): string {
  if (!NAME.test(name)) {
    throw new StepvaultError('usage', `invalid ${kind} name ${JSON.stringify(name)}`, {
      hint: `a ${kind} name starts with a letter or digit and has only letters, digits, "_", "." and "-" (at most 64)`,
    });
  }
  return name;
}

export function planTag(plan: string): string {
  return `plan:${plan}`;
}

export function ruleTag(rule: string): string {
  return `rule:${rule}`;
}

/** The tag that names one run of a backup task (from the task's idempotency key). */
export function runTag(idempotencyKey: string): string {
  if (!/^[0-9a-f]{16,}$/.test(idempotencyKey)) {
    throw new StepvaultError('internal', 'an idempotency key must be at least 16 hex digits');
  }
  return `run:${idempotencyKey.slice(0, 16)}`;
}

/** A snapshot filter tag (comma = all of them) selecting one rule's snapshots. */
export function ruleFilterTag(plan: string, rule: string): string {
  return `${planTag(plan)},${ruleTag(rule)}`;
}

export interface TaggedSnapshot {
  id: string;
  time: string;
  tags: readonly string[];
  /** Set when the snapshot was rewritten (new tags) or copied: the ID it was first written under. */
  original?: string;
}

/** The ID a snapshot was first written under: stays the same when its tags are rewritten. */
export function identityOf(s: TaggedSnapshot): string {
  return s.original ?? s.id;
}

/**
 * The last good snapshot before `current` in the same plan: the newest older one of `snapshots` (which the caller
 * narrowed to the same source) that carries the plan's tag and no `anomaly` tag.
 */
export function previousGood<T extends TaggedSnapshot>(
  snapshots: readonly T[],
  current: TaggedSnapshot,
  plan: string,
): T | undefined {
  const tag = planTag(plan);
  const currentIdentity = identityOf(current);
  const before = Date.parse(current.time);
  let best: { s: T; t: number } | undefined;
  for (const s of snapshots) {
    const t = Date.parse(s.time);
    if (identityOf(s) === currentIdentity || !(t < before)) continue;
    if (!s.tags.includes(tag) || s.tags.includes(ANOMALY_TAG)) continue;
    if (!best || t > best.t || (t === best.t && s.id < best.s.id)) best = { s, t };
  }
  return best?.s;
}
