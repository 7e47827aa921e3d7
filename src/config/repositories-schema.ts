// `repositories:` in stepvault.yaml — where snapshots are stored and the password that opens each repository.

import { z } from 'zod';
import { DEFAULT_COMPRESSION_LEVEL } from '../domain/compression-level.ts';
import { namedMap, strictObject } from './schema-primitives.ts';
import { secretRefSchema } from './secret-ref.ts';

const locationSchema = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    if (text.startsWith('s3:')) {
      if (!/^s3:(?:https?:\/\/[^/\s]+\/)?[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:\/[^\s]*)?$/.test(text)) {
        ctx.addIssue({
          code: 'custom',
          message: 'an S3 location is s3:BUCKET/PREFIX or s3:https://ENDPOINT/BUCKET/PREFIX',
        });
      }
    } else if (/^[a-z][a-z0-9+.-]*:/i.test(text) && !text.startsWith('local:')) {
      ctx.addIssue({
        code: 'custom',
        message: 'a location is a directory path (or local:/path) or an S3 location (s3:BUCKET/PREFIX)',
      });
    }
  })
  .describe('a directory (relative to this file, or local:/path) or s3:BUCKET/PREFIX');

export const repositorySchema = strictObject(
  {
    location: locationSchema,
    password: secretRefSchema,
    compression: z
      .int()
      .min(0)
      .max(19)
      .default(DEFAULT_COMPRESSION_LEVEL)
      .describe(`zstd level 0-19 for new data (0: none, default ${DEFAULT_COMPRESSION_LEVEL})`),
    description: z.string().optional(),
  },
  'A repository snapshots are stored in',
);

export const repositoriesSchema = namedMap(repositorySchema, 'Repositories, by name');

export type RepositoryConfig = z.output<typeof repositorySchema>;
