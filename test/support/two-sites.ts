// Two simulated Confluence sites for restore tests: `original` (generated from a seed, one site name) and `target`
// (another site that knows the same users and groups), a memory repository, a backup of the original into it,
// and a restore of a snapshot into the target (or any other simulated site) with a journal directory of its own
// each time, as a restore that never ran there before.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ConfluenceSim, startConfluenceSim } from '../../devtools/confluence-sim/simulator.ts';
import {
  backupConfluence,
  type ConfluenceBackupResult,
} from '../../src/operations/confluence/backup/backup-confluence.ts';
import {
  type RestoreConfluenceResult,
  restoreConfluence,
} from '../../src/operations/confluence/restore/restore-confluence.ts';
import { Repository } from '../../src/repository/repository.ts';
import { siteClient } from '../../src/sources/confluence/client/client.test-helper.ts';
import type { BackupApi } from '../../src/sources/confluence/read-api.ts';
import { MemoryBackend } from '../../src/storage/memory/memory-backend.ts';
import { FAST_KDF } from './small-repository.ts';

export interface TwoSites {
  original: ConfluenceSim;
  target: ConfluenceSim;
  /** Backs the original up into a new memory repository (through `api` when given). */
  backup(api?: BackupApi): Promise<{ repo: Repository; result: ConfluenceBackupResult }>;
  /** Restores a snapshot of `repo` into `into` (the target by default), with a fresh journal. */
  restore(repo: Repository, snapshotId: string, into?: ConfluenceSim): Promise<RestoreConfluenceResult>;
  close(): Promise<void>;
}

export async function startTwoSites(dataset: {
  seed: number;
  spaces: number;
  pages: number;
}): Promise<TwoSites> {
  const original = await startConfluenceSim({ siteName: 'acme' });
  const target = await startConfluenceSim({ siteName: 'other' });
  original.generate({ ...dataset, attachments: 0 });
  target.seedDirectory(dataset.seed);
  const journals: string[] = [];
  return {
    original,
    target,
    async backup(api) {
      const repo = await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST_KDF });
      const result = await backupConfluence(
        { site: original.siteUrl },
        { repo, api: api ?? siteClient(original) },
      );
      return { repo, result };
    },
    async restore(repo, snapshotId, into = target) {
      const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-two-sites-'));
      journals.push(stateDir);
      return restoreConfluence(
        { snapshot: snapshotId, sourceHosts: ['acme.atlassian.net'] },
        { repo, client: siteClient(into), targetSite: into.siteUrl, stateDir },
      );
    },
    async close() {
      await Promise.all([original.close(), target.close()]);
      for (const dir of journals) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
