// When a source's RPO state changes: from the metrics summary and what was last announced per source, the
// transitions to announce (breached, recovered — each once; a source's first state is recorded silently unless
// it is a breach) and the next moment a source that is fine now would breach. Pure.

import type { NotificationEvent } from '../../domain/notification-event.ts';
import type { SourceSummary } from './metrics-summary.ts';

export interface RpoTransition {
  source: string;
  breached: boolean;
  /** The event to announce, or none (a source's first state, when it is fine). */
  event: NotificationEvent | undefined;
}

export function rpoTransitions(
  sources: readonly SourceSummary[],
  known: ReadonlyMap<string, { breached: boolean }>,
  now: number,
): { transitions: RpoTransition[]; wakeAt: number | undefined } {
  const transitions: RpoTransition[] = [];
  let wakeAt: number | undefined;
  for (const s of sources) {
    if (s.rpoBreached === null || s.rpoDeadline === null) continue;
    const deadline = Date.parse(s.rpoDeadline);
    if (!s.rpoBreached && (wakeAt === undefined || deadline + 1 < wakeAt)) wakeAt = deadline + 1;
    const before = known.get(s.name);
    if (before?.breached === s.rpoBreached) continue;
    if (!s.rpoBreached && before === undefined) {
      transitions.push({ source: s.name, breached: false, event: undefined });
      continue;
    }
    const message = s.rpoBreached
      ? `source ${s.name}: no good backup since ${s.lastSuccess ?? 'the daemon first saw it'}, longer ago than its RPO (${s.rpoSeconds} s)`
      : `source ${s.name}: within its RPO again (last good backup ${s.lastSuccess})`;
    transitions.push({
      source: s.name,
      breached: s.rpoBreached,
      event: {
        kind: s.rpoBreached ? 'rpo.breached' : 'rpo.recovered',
        time: new Date(now).toISOString(),
        source: s.name,
        ...(s.plans[0] ? { plan: s.plans[0] } : {}),
        message,
        summary: { rpoSeconds: s.rpoSeconds ?? 0, ...(s.lastSuccess ? { lastSuccess: s.lastSuccess } : {}) },
      },
    });
  }
  return { transitions, wakeAt };
}
