// The compact text form of a fault configuration, for the command line and environment variables:
// `429=0.1,5xx=0.05,slow=0.1:2000,truncate=0.1,mutate=0.05,cycle=3,rogue=0.01,fail=123|att456,hide=124,seed=7,retry-after=2`
// (any subset, comma-separated), or the FaultConfig as JSON when the text starts with `{`.

import type { FaultConfig } from './faults.ts';

function probability(name: string, text: string): number {
  const p = Number(text);
  if (text.trim() === '' || !Number.isFinite(p) || p < 0 || p > 1)
    throw new Error(`${name} must be a probability between 0 and 1, got "${text}"`);
  return p;
}

function whole(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${name} must be a whole number >= ${min}, got "${text}"`);
  return n;
}

/** Parses the text form; throws an Error naming the bad part. */
export function parseFaultSpec(text: string): FaultConfig {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return JSON.parse(trimmed) as FaultConfig;
  const config: FaultConfig = {};
  for (const part of trimmed
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new Error(`expected name=value, got "${part}"`);
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    switch (name) {
      case '429':
        config.rate429 = probability(name, value);
        break;
      case '5xx':
        config.rate5xx = probability(name, value);
        break;
      case 'slow': {
        const [p = '', ms = '1000'] = value.split(':');
        config.slow = { probability: probability(name, p), delayMs: whole('slow delay', ms, 0) };
        break;
      }
      case 'truncate':
        config.truncateDownloads = probability(name, value);
        break;
      case 'mutate':
        config.mutateDuringListing = probability(name, value);
        break;
      case 'cycle': {
        const [page = '', back] = value.split(':');
        config.cursorCycle = {
          atPage: whole('cycle page', page, 2),
          ...(back !== undefined ? { back: whole('cycle back', back, 1) } : {}),
        };
        break;
      }
      case 'rogue':
        config.rogueRedirect = probability(name, value);
        break;
      case 'fail':
        config.failIds = value.split('|').filter((id) => id !== '');
        break;
      case 'hide':
        config.hideFromBatch = value.split('|').filter((id) => id !== '');
        break;
      case 'seed':
        config.seed = whole(name, value, 0);
        break;
      case 'retry-after':
        config.retryAfterSeconds = whole(name, value, 0);
        break;
      default:
        throw new Error(
          `unknown fault "${name}" (known: 429, 5xx, slow, truncate, mutate, cycle, rogue, fail, hide, seed, retry-after)`,
        );
    }
  }
  return config;
}
