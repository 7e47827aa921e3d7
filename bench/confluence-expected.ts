// "Listing + changed items" of issue 4's incremental target, computed from first principles: from what the site
// holds (the simulator's census, not its counters) and the way docs/confluence-layout.md says an incremental
// backup finds changes, the fewest requests an incremental backup needs. The target is that the measured
// incremental makes at most 1.1x this many requests.

import type { SiteCensus } from './confluence-sim-process.ts';

/** v2 lists and CQL search return at most 250 items a request. */
export const PAGE_LIMIT = 250;

export interface BackupScope {
  /** Page statuses one listing per space asks for (`status=current&status=archived&…`). */
  pageStatuses: readonly string[];
  blogPostStatuses: readonly string[];
  /** Site-wide listings walked newest first down to the previous backup's watermark. */
  watermarkScans: readonly string[];
}

export interface ExpectedIncremental {
  listing: number;
  changed: number;
  total: number;
  /** How each number came about, one line each, for the report. */
  explanation: string[];
}

const TREE_KINDS = ['folder', 'whiteboard', 'database', 'embed'];

/** Requests to read `n` items 250 at a time: an empty list still takes one. */
const pages = (n: number) => Math.max(1, Math.ceil(n / PAGE_LIMIT));

export function expectedIncremental(
  census: SiteCensus,
  input: { editedPages: number; backup: BackupScope },
): ExpectedIncremental {
  const { backup } = input;
  const count = (bySpace: Record<string, number>, kind: string, statuses: readonly string[]) =>
    statuses.reduce((sum, status) => sum + (bySpace[`${kind}:${status}`] ?? 0), 0);
  // `GET /spaces` takes one status a request: one listing for current spaces, one for archived ones.
  const spaceStatuses = ['current', 'archived'];
  const spaceListing = spaceStatuses.reduce(
    (sum, status) => sum + pages(census.spaces.filter((s) => s.status === status).length),
    0,
  );
  let pageListing = 0;
  let blogListing = 0;
  let treeSearch = 0;
  const perSpace: string[] = [];
  for (const space of census.spaces) {
    const bySpace = census.contentBySpace[space.id] ?? {};
    const p = count(bySpace, 'page', backup.pageStatuses);
    const b = count(bySpace, 'blogpost', backup.blogPostStatuses);
    // CQL returns current content only: trashed tree items are out of reach (docs/confluence-layout.md).
    const t = TREE_KINDS.reduce((sum, kind) => sum + (bySpace[`${kind}:current`] ?? 0), 0);
    pageListing += pages(p);
    blogListing += pages(b);
    treeSearch += pages(t);
    perSpace.push(`${space.key} ${p}/${b}/${t} → ${pages(p)}+${pages(b)}+${pages(t)}`);
  }
  const scans = backup.watermarkScans.length;
  const listing = spaceListing + pageListing + blogListing + treeSearch + scans;
  // An edited page has a new version: both bodies are fetched in batches of 250 ids (one request per format
  // per batch). Its history grows by one version whose body the parent holds, its comments and attachments did
  // not change (the watermark scans say so), and its labels, properties and restrictions wait for the sweep.
  const batches = Math.ceil(input.editedPages / PAGE_LIMIT);
  const changed = batches * 2;
  return {
    listing,
    changed,
    total: listing + changed,
    explanation: [
      `spaces: ${census.spaces.length} spaces, listed once per status (current, archived: \`GET /spaces\` takes one ` +
        `status a request) at ${PAGE_LIMIT} a request → ${spaceListing}`,
      `per space, pages (statuses ${backup.pageStatuses.join(', ')}), blog posts (${backup.blogPostStatuses.join(', ')}) ` +
        'and the CQL search for folders, whiteboards, databases and smart links (current ones: CQL returns ' +
        `nothing else), each ⌈n / ${PAGE_LIMIT}⌉ requests and at least one: ${perSpace.join('; ')} → ` +
        `${pageListing} + ${blogListing} + ${treeSearch}`,
      `site-wide scans newest first down to the previous watermark (${backup.watermarkScans.join(', ')}): ` +
        `nothing but pages changed, so one request each → ${scans}`,
      `changed items: ${input.editedPages} pages with a new version; their storage and ADF bodies in batches ` +
        `of ${PAGE_LIMIT} ids (\`GET /pages?id=…&body-format=…\`) → ${batches} × 2 = ${changed}; their history ` +
        'grows by the version the parent holds, their comments, attachments and metadata did not change (no request)',
    ],
  };
}
