// `sources:` in stepvault.yaml — what is backed up: local files, or a Confluence Cloud site.

import { z } from 'zod';
import {
  countOrPercentSchema,
  countSchema,
  elapsedDurationSchema,
  httpUrlSchema,
  namedMap,
  strictObject,
} from './schema-primitives.ts';
import { secretRefSchema } from './secret-ref.ts';

const filesSourceSchema = strictObject(
  {
    type: z.literal('files'),
    paths: z
      .array(z.string().min(1))
      .min(1)
      .describe('files and directories to back up (relative to this file)'),
    excludes: z.array(z.string().min(1)).default([]).describe('exclude patterns (restic semantics)'),
    oneFileSystem: z.boolean().default(false).describe('do not cross file system boundaries'),
    host: z.string().min(1).optional().describe('host name recorded in snapshots (default: this machine)'),
  },
  'Local files and directories',
);

const confluenceAuthSchema = z
  .union(
    [
      strictObject({
        email: z.email().describe('the Atlassian account e-mail'),
        token: secretRefSchema,
      }),
      strictObject({ bearer: secretRefSchema }),
    ],
    { error: 'auth is { email, token } (API token) or { bearer } (OAuth / service account)' },
  )
  .describe('how to authenticate');

const confluenceSourceSchema = strictObject(
  {
    type: z.literal('confluence'),
    site: httpUrlSchema('https://SITE.atlassian.net or https://api.atlassian.com/ex/confluence/CLOUD-ID', {
      httpsOnlyRemote: true,
    }),
    auth: confluenceAuthSchema,
    spaces: z
      .union([
        z.literal('all'),
        z.array(z.string().regex(/^[A-Za-z0-9~_-]+$/, { error: 'not a space key' })).min(1),
      ])
      .default('all')
      .describe('space keys to back up, or "all"'),
    includeArchived: z
      .boolean()
      .default(true)
      .describe('also back up archived spaces (archived pages of backed-up spaces always are)'),
    history: z.enum(['latest', 'all']).default('latest').describe('page versions: the latest or all'),
    attachments: strictObject({
      versions: z
        .enum(['latest', 'all'])
        .default('latest')
        .describe('attachment versions: the latest or all'),
    }).default({ versions: 'latest' }),
    metadataSweep: elapsedDurationSchema('how often to re-read metadata of unchanged pages').default('24h'),
    metadataSweepSlices: countSchema(
      10_000,
      'rolling sweep instead: every backup re-reads the metadata of the next 1/n of the items (the whole site every n backups)',
    ).optional(),
    adminKey: z.boolean().default(false).describe('read restricted content with the admin key'),
    maxWait: elapsedDurationSchema(
      "longest wait for the site's rate limit (Retry-After, a spent points quota) that is sat out; a longer one ends the backup partial",
    ).default('1h'),
    mediaHosts: z.array(z.string().min(1)).optional().describe('hosts attachment downloads may redirect to'),
    fanOut: strictObject({
      workers: countSchema(
        1000,
        "parts backed up at once (the distributed Map's MaxConcurrency): as many as there are workers to run them",
      ),
      parts: countSchema(
        10_000,
        'parts to cut the site into, of about equal weight (spaces by their pages; a heavy space in slices by page id); default: twice the workers',
      ).optional(),
    })
      .optional()
      .describe(
        'back the site up in parts, a distributed Map over its spaces run by many workers, joined into one snapshot',
      ),
    anomaly: strictObject({
      maxDeletedPages: countOrPercentSchema(
        'more deleted pages than this in one backup is an anomaly',
      ).optional(),
      maxChangedPages: countOrPercentSchema(
        'more changed pages than this in one backup is an anomaly',
      ).optional(),
    })
      .optional()
      .describe('thresholds of the anomaly guard (mass deletion, ransomware-like rewriting)'),
  },
  'A Confluence Cloud site',
);

export const sourceSchema = z.discriminatedUnion('type', [filesSourceSchema, confluenceSourceSchema]);

export const sourcesSchema = namedMap(sourceSchema, 'Sources, by name');

export type SourceConfig = z.output<typeof sourceSchema>;
export type FilesSourceConfig = z.output<typeof filesSourceSchema>;
export type ConfluenceSourceConfig = z.output<typeof confluenceSourceSchema>;
