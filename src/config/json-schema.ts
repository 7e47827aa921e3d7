// The JSON Schema of stepvault.yaml, generated from the zod schema, for editor completion and validation
// (docs/stepvault.schema.json is this, written by scripts/write-config-schema.ts and checked by a test).
// It describes the input: keys with defaults are optional. Checks zod runs in code (schedules, durations,
// cross-references) are not expressible here; `stepvault config validate` runs them all.

import { z } from 'zod';
import { configSchema } from './config-schema.ts';

export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  });
  const { $schema, ...rest } = generated as Record<string, unknown>;
  return {
    $schema,
    title: 'stepvault.yaml',
    ...rest,
  };
}
