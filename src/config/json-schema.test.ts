import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { EXAMPLE } from './example-config.test-helper.ts';
import { configJsonSchema } from './json-schema.ts';

const COMMITTED = path.resolve(import.meta.dirname, '../../docs/stepvault.schema.json');
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

describe('the JSON Schema of stepvault.yaml', () => {
  it('is committed as generated (run node scripts/write-config-schema.ts after changing the schema)', () => {
    const committed = JSON.parse(fs.readFileSync(COMMITTED, 'utf8'));
    assert.deepEqual(
      committed,
      configJsonSchema(),
      'docs/stepvault.schema.json is stale: run `node scripts/write-config-schema.ts`',
    );
  });

  it('accepts the example configuration and rejects what the schema forbids', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(configJsonSchema());
    const example = parse(EXAMPLE);
    assert.ok(validate(example), JSON.stringify(validate.errors, null, 1));
    const unknownKey = parse(EXAMPLE.replace('    history: all', '    history: all\n    colour: red'));
    assert.ok(!validate(unknownKey));
    const plainSecret = parse(EXAMPLE.replace('{ file: ./secrets/repo-password }', 'hunter2'));
    assert.ok(!validate(plainSecret));
    const badEnum = parse(EXAMPLE.replace('role: viewer', 'role: root'));
    assert.ok(!validate(badEnum));
  });
});
