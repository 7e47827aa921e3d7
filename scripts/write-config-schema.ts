// Writes docs/stepvault.schema.json, the JSON Schema of stepvault.yaml generated from the zod schema, formatted
// as Biome formats it. Run after changing the configuration schema: `node scripts/write-config-schema.ts`
// (src/config/json-schema.test.ts fails while the committed file is stale).

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configJsonSchema } from '../src/config/json-schema.ts';

const root = path.resolve(import.meta.dirname, '..');
const target = path.join(root, 'docs', 'stepvault.schema.json');
fs.writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
execFileSync(path.join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', target], {
  stdio: 'ignore',
});
console.log(`wrote ${path.relative(root, target)}`);
