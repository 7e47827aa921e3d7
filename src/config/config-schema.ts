// The whole of stepvault.yaml: the zod schema (the one source of truth: validation, the TypeScript types and the
// published JSON Schema all come from it) and the type of a validated configuration.

import { z } from 'zod';
import { notificationsSchema } from './notifications-schema.ts';
import { plansSchema } from './plans-schema.ts';
import { repositoriesSchema } from './repositories-schema.ts';
import { strictObject } from './schema-primitives.ts';
import { serverSchema } from './server-schema.ts';
import { sourcesSchema } from './sources-schema.ts';

export const CONFIG_VERSION = 1;

export const configSchema = strictObject(
  {
    version: z
      .literal(CONFIG_VERSION, { error: `version must be ${CONFIG_VERSION}` })
      .describe('format version'),
    repositories: repositoriesSchema.default({}),
    sources: sourcesSchema.default({}),
    plans: plansSchema.default({}),
    notifications: notificationsSchema.default({}),
    server: serverSchema.optional(),
  },
  'stepvault configuration (stepvault.yaml)',
);

export type StepvaultConfig = z.output<typeof configSchema>;
