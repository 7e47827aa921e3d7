// How the parts of a fan-out Confluence backup share a site: a part claims whole spaces or slices of them (the
// items whose numeric content id modulo `of` is one of its `indices`), and `packParts` deals the spaces, weighed by
// their pages and blog posts, into parts of about equal weight. Pure: the plan (fan-out-plan.ts) weighs, the
// archiver keeps what its claims give it, the commit checks that the claims cover every space exactly once.

import { StepvaultError } from '../../../common/errors.ts';

/** What a part backs up of one space: the items whose id modulo `of` is one of `indices` (all of it: of 1). */
export interface SpaceClaim {
  space: string;
  of: number;
  indices: number[];
}

/**
 * `count` parts of about equal weight (fewer if there are fewer slices): each space heavier than a part's share is
 * cut into as many slices as it takes to be no heavier, then the slices, heaviest first, go to the lightest part
 * (ties to the lowest part, so the same weights give the same parts). A space weighs at least 1 (an empty space
 * still has its records to back up).
 */
export function packParts(weights: ReadonlyMap<string, number>, count: number): SpaceClaim[][] {
  const total = [...weights.values()].reduce((n, w) => n + Math.max(1, w), 0);
  const share = total / count;
  const slices: { space: string; of: number; index: number; weight: number }[] = [];
  for (const [space, raw] of [...weights].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const weight = Math.max(1, raw);
    const of = Math.min(count, Math.max(1, Math.ceil(weight / share - 1e-9)));
    for (let index = 0; index < of; index++) slices.push({ space, of, index, weight: weight / of });
  }
  slices.sort(
    (a, b) => b.weight - a.weight || (a.space < b.space ? -1 : a.space > b.space ? 1 : a.index - b.index),
  );
  const bins = Array.from({ length: Math.min(count, slices.length) }, () => ({
    weight: 0,
    claims: new Map<string, SpaceClaim>(),
  }));
  for (const slice of slices) {
    let lightest = bins[0]!;
    for (const bin of bins) if (bin.weight < lightest.weight) lightest = bin;
    lightest.weight += slice.weight;
    const claim = lightest.claims.get(slice.space) ?? { space: slice.space, of: slice.of, indices: [] };
    claim.indices.push(slice.index);
    lightest.claims.set(slice.space, claim);
  }
  return bins.map((bin) =>
    [...bin.claims.values()]
      .map((c) => ({ ...c, indices: c.indices.sort((a, b) => a - b) }))
      .sort((a, b) => (a.space < b.space ? -1 : 1)),
  );
}

/** Whether an item of `claim`'s space is this claim's: its numeric id modulo `of` is one of the indices. */
export function claims(claim: Pick<SpaceClaim, 'of' | 'indices'>, id: string): boolean {
  if (claim.of === 1) return true;
  return claim.indices.includes(Number(BigInt(id) % BigInt(claim.of)));
}

/** The claims sorted by space, one per space, each a valid slice set (indices below `of`, none twice). */
export function checkClaims(part: readonly SpaceClaim[]): SpaceClaim[] {
  if (part.length === 0)
    throw new StepvaultError('usage', 'a part of a fan-out backup needs at least one space');
  const sorted = [...part].sort((a, b) => (a.space < b.space ? -1 : a.space > b.space ? 1 : 0));
  for (const [i, claim] of sorted.entries()) {
    const valid =
      Number.isInteger(claim.of) &&
      claim.of >= 1 &&
      claim.indices.length > 0 &&
      new Set(claim.indices).size === claim.indices.length &&
      claim.indices.every((n) => Number.isInteger(n) && n >= 0 && n < claim.of);
    if (!valid || sorted[i - 1]?.space === claim.space)
      throw new StepvaultError('usage', `a part's claim on space ${claim.space} is not a set of its slices`, {
        hint: 'give each space once, with of ≥ 1 and indices below it',
      });
  }
  return sorted.map((c) => ({ space: c.space, of: c.of, indices: [...c.indices].sort((a, b) => a - b) }));
}
