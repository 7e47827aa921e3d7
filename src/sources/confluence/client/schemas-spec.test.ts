// The hand-written zod schemas (records.ts, records-v1.ts) against the official OpenAPI specs, read at test time
// from ../shared/confluence (never copied into the project): every field a schema declares must exist in the
// spec's schema of the endpoints it parses, with a compatible type (our `number` takes the spec's integer,
// nullable and optional are always allowed, `unknown` takes anything), recursively. The checker is tested too,
// on schemas that are wrong on purpose.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import * as v2 from './records.ts';
import * as v1 from './records-v1.ts';

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};
type Spec = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }> }>
  >;
  components: { schemas: Record<string, JsonSchema> };
};

const SPEC_DIR =
  process.env.CONFLUENCE_OPENAPI_DIR ?? path.resolve(import.meta.dirname, '../../../../../shared/confluence');

function loadSpec(file: string): Spec {
  const at = path.join(SPEC_DIR, file);
  if (!fs.existsSync(at)) throw new Error(`the official spec ${at} is missing (set CONFLUENCE_OPENAPI_DIR)`);
  return JSON.parse(fs.readFileSync(at, 'utf8')) as Spec;
}

const specs = { v2: loadSpec('openapi-v2.json'), v1: loadSpec('openapi-v1.json') };

/** Every concrete alternative of a spec schema: refs followed, allOf merged, anyOf/oneOf spread. */
function alternatives(spec: Spec, schema: JsonSchema | undefined, depth = 0): JsonSchema[] {
  if (!schema || depth > 20) return [];
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return alternatives(spec, spec.components.schemas[name], depth + 1);
  }
  if (schema.anyOf || schema.oneOf) {
    return [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].flatMap((s) =>
      alternatives(spec, s, depth + 1),
    );
  }
  if (schema.allOf) {
    const parts = schema.allOf.flatMap((s) => alternatives(spec, s, depth + 1));
    const merged: JsonSchema = { ...schema, allOf: undefined as never, properties: { ...schema.properties } };
    for (const part of parts) {
      Object.assign(merged.properties!, part.properties);
      if (merged.type === undefined && part.type !== undefined) merged.type = part.type;
      if (part.items) merged.items = part.items;
    }
    return [merged];
  }
  return [schema];
}

function specTypes(alts: JsonSchema[]): Set<string> {
  const types = new Set<string>();
  for (const alt of alts) {
    const declared = Array.isArray(alt.type) ? alt.type : alt.type ? [alt.type] : [];
    if (declared.length === 0) {
      if (alt.properties) types.add('object');
      else if (alt.enum) for (const v of alt.enum) types.add(typeof v === 'number' ? 'number' : typeof v);
      else types.add('any');
    }
    for (const t of declared) types.add(t === 'integer' ? 'number' : t);
  }
  return types;
}

/** Problems of `ours` (a JSON Schema made from zod) against the spec alternatives, as readable lines. */
function compare(
  spec: Spec,
  ours: JsonSchema,
  theirs: JsonSchema[],
  where: string,
  problems: string[],
): void {
  const ourAlts = ours.anyOf ?? [ours];
  for (const alt of ourAlts) {
    const types = (Array.isArray(alt.type) ? alt.type : alt.type ? [alt.type] : []).filter(
      (t) => t !== 'null',
    );
    if (types.length === 0) continue; // unknown: anything goes
    const available = specTypes(theirs);
    if (available.has('any')) continue;
    for (const type of types) {
      const wanted = type === 'integer' ? 'number' : type;
      if (!available.has(wanted))
        problems.push(`${where}: declared ${type}, the spec has ${[...available].join('|')}`);
    }
    for (const [name, child] of Object.entries(alt.properties ?? {})) {
      // A free-form object of the spec (no declared properties) takes any field, typed by additionalProperties.
      const free = theirs.filter((t) => !t.properties);
      if (free.some((t) => typeof t.additionalProperties !== 'object')) continue;
      const found = theirs.flatMap((t) =>
        alternatives(spec, t.properties ? t.properties[name] : (t.additionalProperties as JsonSchema)),
      );
      if (found.length === 0) problems.push(`${where}.${name}: not in the spec`);
      else compare(spec, child, found, `${where}.${name}`, problems);
    }
    if (alt.items) {
      const found = theirs.flatMap((t) => alternatives(spec, t.items));
      compare(spec, alt.items, found, `${where}[]`, problems);
    }
  }
}

interface Source {
  method?: string;
  path?: string;
  /** A list response: the items of `results`. */
  list?: boolean;
  component?: string;
}

function specSchema(spec: Spec, source: Source): JsonSchema[] {
  if (source.component) {
    const found = spec.components.schemas[source.component];
    assert.ok(found, `component ${source.component} is in the spec`);
    return alternatives(spec, found);
  }
  const operation = spec.paths[source.path!]?.[source.method!];
  assert.ok(operation, `${source.method} ${source.path} is in the spec`);
  const response = operation.responses['200'] ?? operation.responses['201'];
  const schema = response?.content?.['application/json']?.schema;
  assert.ok(schema, `${source.method} ${source.path} has a JSON response schema`);
  const alts = alternatives(spec, schema);
  if (!source.list) return alts;
  return alts
    .flatMap((a) => alternatives(spec, a.properties?.results))
    .flatMap((r) => alternatives(spec, r.items));
}

function problemsOf(version: 'v1' | 'v2', schema: z.ZodType, sources: Source[]): string[] {
  const spec = specs[version];
  const ours = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
  const theirs = sources.flatMap((s) => specSchema(spec, s));
  const problems: string[] = [];
  compare(spec, ours, theirs, '(root)', problems);
  return problems;
}

const get = (p: string, list = false): Source => ({ method: 'get', path: p, list });

const V2_CASES: [string, z.ZodType, Source[]][] = [
  ['spaceSchema', v2.spaceSchema, [get('/spaces', true), get('/spaces/{id}')]],
  ['spacePropertySchema', v2.spacePropertySchema, [get('/spaces/{space-id}/properties', true)]],
  ['labelSchema', v2.labelSchema, [get('/pages/{id}/labels', true), get('/spaces/{id}/labels', true)]],
  ['spacePermissionSchema', v2.spacePermissionSchema, [get('/spaces/{id}/permissions', true)]],
  ['pageSchema', v2.pageSchema, [get('/pages', true), get('/spaces/{id}/pages', true), get('/pages/{id}')]],
  ['blogPostSchema', v2.blogPostSchema, [get('/blogposts', true), get('/blogposts/{id}')]],
  ['childSchema', v2.childSchema, [get('/pages/{id}/direct-children', true)]],
  ['descendantSchema', v2.descendantSchema, [get('/pages/{id}/descendants', true)]],
  ['ancestorSchema', v2.ancestorSchema, [get('/pages/{id}/ancestors', true)]],
  [
    'treeItemSchema',
    v2.treeItemSchema,
    [get('/folders/{id}'), get('/whiteboards/{id}'), get('/databases/{id}'), get('/embeds/{id}')],
  ],
  ['contentPropertySchema', v2.contentPropertySchema, [get('/pages/{page-id}/properties', true)]],
  [
    'versionEntrySchema',
    v2.versionEntrySchema,
    [
      get('/pages/{id}/versions', true),
      get('/blogposts/{id}/versions', true),
      get('/attachments/{id}/versions', true),
    ],
  ],
  ['attachmentSchema', v2.attachmentSchema, [get('/pages/{id}/attachments', true), get('/attachments/{id}')]],
  [
    'footerCommentSchema',
    v2.footerCommentSchema,
    [
      get('/footer-comments', true),
      get('/pages/{id}/footer-comments', true),
      get('/footer-comments/{id}/children', true),
    ],
  ],
  [
    'inlineCommentSchema',
    v2.inlineCommentSchema,
    [
      get('/inline-comments', true),
      get('/pages/{id}/inline-comments', true),
      get('/inline-comments/{id}/children', true),
    ],
  ],
  ['adminKeySchema', v2.adminKeySchema, [{ method: 'post', path: '/admin-key' }]],
];

const V1_CASES: [string, z.ZodType, Source[]][] = [
  ['userV1Schema', v1.userV1Schema, [get('/wiki/rest/api/user')]],
  ['groupV1Schema', v1.groupV1Schema, [get('/wiki/rest/api/group/by-id')]],
  ['restrictionV1Schema', v1.restrictionV1Schema, [{ component: 'ContentRestriction' }]],
  [
    'attachmentUploadSchema',
    v1.attachmentUploadSchema,
    [{ method: 'post', path: '/wiki/rest/api/content/{id}/child/attachment' }],
  ],
  ['spaceV1Schema', v1.spaceV1Schema, [{ method: 'post', path: '/wiki/rest/api/space' }]],
  ['searchPageSchema', v1.searchPageSchema, [get('/wiki/rest/api/content/search')]],
];

describe('record schemas against the official OpenAPI specs', () => {
  for (const [name, schema, sources] of V2_CASES) {
    it(`v2 ${name}: every field exists in the spec with a compatible type`, () => {
      assert.deepEqual(problemsOf('v2', schema, sources), []);
    });
  }
  for (const [name, schema, sources] of V1_CASES) {
    it(`v1 ${name}: every field exists in the spec with a compatible type`, () => {
      assert.deepEqual(problemsOf('v1', schema, sources), []);
    });
  }

  it('covers every schema records.ts exports', () => {
    const exported = Object.entries(v2)
      .filter(([name, value]) => name.endsWith('Schema') && value instanceof z.ZodType)
      .map(([name]) => name)
      .filter((name) => !['versionSchema', 'bodyValueSchema', 'bodySchema', 'bulkBodySchema'].includes(name)); // checked inside others
    assert.deepEqual(exported.sort(), V2_CASES.map(([name]) => name).sort());
  });

  it('reports invented fields and incompatible types', () => {
    const wrong = z.looseObject({
      id: z.number(),
      title: z.string(),
      inventedField: z.string(),
      version: z.looseObject({ number: z.string() }),
    });
    assert.deepEqual(problemsOf('v2', wrong, [get('/pages', true)]).sort(), [
      '(root).id: declared number, the spec has string',
      '(root).inventedField: not in the spec',
      '(root).version.number: declared string, the spec has number',
    ]);
  });
});
