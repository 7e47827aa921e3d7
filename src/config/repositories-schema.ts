// `repositories:` in stepvault.yaml — where snapshots are stored and the password that opens each repository.

import { z } from 'zod';
import { StepvaultError } from '../common/errors.ts';
import { DEFAULT_COMPRESSION_LEVEL } from '../domain/compression-level.ts';
import type { LocationOption } from '../storage/location.ts';
import { locationForms, locationOptions, parseLocation } from '../storage/location-registry.ts';
import { namedMap, strictObject } from './schema-primitives.ts';
import { SECRET_REF_FORMS, secretRefSchema } from './secret-ref.ts';

const locationSchema = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    try {
      parseLocation(text);
    } catch (e) {
      if (!(e instanceof StepvaultError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.hint ? `${e.message} (${e.hint})` : e.message });
    }
  })
  .describe(
    `where the repository is: ${locationForms().join(', ')} (a relative path is relative to this file)`,
  );

/** Options of the location's scheme (e.g. an S3 region and credentials); credentials only as secret references. */
const locationOptionsSchema = z
  .record(z.string(), z.union([z.string(), secretRefSchema]))
  .describe(
    "settings of the location's scheme, e.g. for s3: region, profile, accessKeyId, secretAccessKey (secret references)",
  );

export const repositorySchema = strictObject(
  {
    location: locationSchema,
    options: locationOptionsSchema.optional(),
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

/** Each option must be one the location's scheme takes, a credential a secret reference and anything else text. */
const checkedRepositorySchema = repositorySchema.superRefine((repository, ctx) => {
  let known: readonly LocationOption[];
  try {
    known = locationOptions(parseLocation(repository.location));
  } catch {
    return; // the location itself is reported
  }
  for (const [name, value] of Object.entries(repository.options ?? {})) {
    const option = known.find((o) => o.name === name);
    if (!option) {
      ctx.addIssue({
        code: 'custom',
        path: ['options', name],
        message: known.length
          ? `unknown option "${name}": this location takes ${known.map((o) => o.name).join(', ')}`
          : `unknown option "${name}": this location takes no options`,
      });
    } else if (option.secret && typeof value === 'string') {
      ctx.addIssue({
        code: 'custom',
        path: ['options', name],
        message: `${name} is a credential: give it by reference (${SECRET_REF_FORMS}), never as its value`,
      });
    } else if (!option.secret && typeof value !== 'string') {
      ctx.addIssue({
        code: 'custom',
        path: ['options', name],
        message: `${name} is plain text, not a secret reference`,
      });
    }
  }
});

export const repositoriesSchema = namedMap(checkedRepositorySchema, 'Repositories, by name');

export type RepositoryConfig = z.output<typeof repositorySchema>;
