// The stepvault side of the Confluence benchmark: one Confluence backup into the bench repository through the
// backup use case, wired as `stepvault backup confluence` wires it (a ConfluenceClient plus the site-wide
// listings), with its default options — full (no parent yet), incremental with the sweep skipped (`--no-sweep`),
// or incremental with the sweep forced (`--sweep`). Returns what the backup reports and the clients' counters.

import { backupConfluence, type SweepPolicy } from '../src/operations/confluence/backup/backup-confluence.ts';
import { Repository } from '../src/repository/repository.ts';
import { ConfluenceClient } from '../src/sources/confluence/client/client.ts';
import type { ClientStats } from '../src/sources/confluence/client/client-types.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import type { BackupScope } from './confluence-expected.ts';
import { clientOptions, type SiteAccess } from './confluence-site.ts';

export const BENCH_PASSWORD = 'confluence-bench';

/**
 * What the backup's defaults list, as docs/confluence-layout.md describes it ("How an incremental backup finds
 * changes"), for the expected requests of an incremental backup.
 */
export const STEPVAULT_BACKUP_OPTIONS: BackupScope = {
  pageStatuses: ['current', 'archived', 'trashed'],
  blogPostStatuses: ['current', 'trashed'],
  watermarkScans: ['attachments', 'footer comments', 'inline comments'],
};

export interface StepvaultBackupStep {
  repoPath: string;
  mode: 'full' | 'incremental' | 'sweep';
}

const SWEEP: Record<StepvaultBackupStep['mode'], SweepPolicy | undefined> = {
  full: undefined, // no parent: a full backup, which counts as a sweep
  incremental: { kind: 'never' },
  sweep: { kind: 'always' },
};

export async function runStepvaultBackup(
  site: SiteAccess,
  step: StepvaultBackupStep,
): Promise<{ detail: Record<string, unknown>; client: ClientStats }> {
  const options = clientOptions(site);
  const api = new ConfluenceClient(options);
  const repo = await Repository.open(new LocalBackend(step.repoPath), BENCH_PASSWORD);
  const sweep = SWEEP[step.mode];
  const result = await backupConfluence({ site: site.siteUrl, ...(sweep ? { sweep } : {}) }, { repo, api });
  const c = result.summary.confluence;
  if (step.mode !== 'full' && !result.parent)
    throw new Error(`the ${step.mode} backup found no parent snapshot`);
  return {
    detail: {
      snapshotId: result.snapshotId,
      parent: result.parent,
      partial: result.missing.length > 0,
      missing: result.missing.slice(0, 10),
      counts: c,
    },
    client: api.stats(),
  };
}
