// The structured rate-limit headers of Confluence Cloud's points quota (IETF draft style, with or without the
// `Beta-` prefix): `RateLimit: "global-app-quota";r=11000;t=600` (remaining points, seconds to the reset; `r`
// only near the limit), `RateLimit-Policy: "global-app-quota";q=65000;w=3600`, and `RateLimit-Reason`. The
// burst headers (`X-RateLimit-*`) are read by the shared limiter itself.

export interface QuotaState {
  /** e.g. `global-app-quota`, `tenant-app-quota`. */
  policy?: string;
  /** Points left, when the site says (near the limit). */
  remaining?: number;
  /** Seconds until the quota resets. */
  resetSeconds?: number;
  /** Points per window, and the window in seconds, from the policy header. */
  quota?: number;
  windowSeconds?: number;
  /** `RateLimit-Reason`, e.g. `confluence-quota-global-based`, `confluence-burst-based`. */
  reason?: string;
}

/** `"name";k=v;k=v` items of a structured header, by item name. */
function items(value: string | null): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  if (!value) return out;
  for (const item of value.split(',')) {
    const [head, ...params] = item.split(';').map((p) => p.trim());
    if (!head) continue;
    const name = head.replace(/^"|"$/g, '');
    const values = new Map<string, string>();
    for (const param of params) {
      const at = param.indexOf('=');
      if (at > 0)
        values.set(
          param.slice(0, at).trim(),
          param
            .slice(at + 1)
            .trim()
            .replace(/^"|"$/g, ''),
        );
    }
    out.set(name, values);
  }
  return out;
}

function num(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** The quota state the headers describe, or undefined when they say nothing about it. */
export function readQuotaHeaders(headers: Headers): QuotaState | undefined {
  const state = items(headers.get('ratelimit') ?? headers.get('beta-ratelimit'));
  const policy = items(headers.get('ratelimit-policy') ?? headers.get('beta-ratelimit-policy'));
  const reason = headers.get('ratelimit-reason') ?? undefined;
  if (state.size === 0 && policy.size === 0 && reason === undefined) return undefined;
  // The item closest to its limit matters: the one with the fewest points left.
  let chosen: [string, Map<string, string>] | undefined;
  for (const entry of state) {
    const r = num(entry[1].get('r'));
    const best = chosen ? num(chosen[1].get('r')) : undefined;
    if (!chosen || (r !== undefined && (best === undefined || r < best))) chosen = entry;
  }
  const name = chosen?.[0] ?? [...policy.keys()][0];
  const out: QuotaState = {};
  if (name !== undefined) out.policy = name;
  const remaining = num(chosen?.[1].get('r'));
  const reset = num(chosen?.[1].get('t'));
  const limits = name === undefined ? undefined : policy.get(name);
  const quota = num(limits?.get('q'));
  const window = num(limits?.get('w'));
  if (remaining !== undefined) out.remaining = remaining;
  if (reset !== undefined) out.resetSeconds = reset;
  if (quota !== undefined) out.quota = quota;
  if (window !== undefined) out.windowSeconds = window;
  if (reason !== undefined) out.reason = reason;
  return out;
}
