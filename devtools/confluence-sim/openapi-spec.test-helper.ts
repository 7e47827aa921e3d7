// Test helper: checks simulator responses against the official OpenAPI specs, read at test time from
// ../shared/confluence (never copied into the project). Two checks per response: the spec's schema (types,
// enums, required fields, formats) with Ajv, and a stricter one that reports fields the spec does not declare
// (the schemas rarely forbid extra properties, so invented fields would otherwise pass unnoticed).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, unknown>;
type Schema = Json & {
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
};

/** The specs live beside the project (../shared/confluence); CONFLUENCE_OPENAPI_DIR overrides the place. */
const SPEC_DIR =
  process.env.CONFLUENCE_OPENAPI_DIR ?? path.resolve(import.meta.dirname, '../../../shared/confluence');

export const SPEC_FILES = {
  v2: path.join(SPEC_DIR, 'openapi-v2.json'),
  v1: path.join(SPEC_DIR, 'openapi-v1.json'),
};

interface Operation {
  template: string;
  pattern: RegExp;
  literalLength: number;
  method: string;
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

export class SpecChecker {
  readonly #spec: Json;
  readonly #id: string;
  readonly #prefix: string;
  readonly #ajv: Ajv;
  readonly #operations: Operation[] = [];
  readonly #compiled = new Map<string, ValidateFunction>();

  /** `prefix` is what the spec's paths are relative to on the site (`/wiki/api/v2` for v2, '' for v1). */
  constructor(file: string, id: string, prefix: string) {
    this.#spec = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    this.#id = id;
    this.#prefix = prefix;
    this.#ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.#ajv);
    for (const name of ['int32', 'int64'])
      this.#ajv.addFormat(name, { type: 'number', validate: (n: number) => Number.isInteger(n) });
    for (const name of ['binary', 'string', 'uuid']) this.#ajv.addFormat(name, () => true);
    this.#ajv.addSchema({ ...this.#spec, $id: id });
    const paths = this.#spec.paths as Record<string, Record<string, Json>>;
    for (const [template, item] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters') continue;
        const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
        this.#operations.push({
          template,
          pattern: new RegExp(`^${source}$`),
          literalLength: template.replace(/\{[^}]+\}/g, '').length,
          method: method.toUpperCase(),
          responses: op.responses as Operation['responses'],
        });
      }
    }
  }

  /** The spec operation a request path (site-relative, e.g. `/wiki/api/v2/pages/1`) belongs to. */
  operation(method: string, sitePath: string): Operation | undefined {
    if (!sitePath.startsWith(this.#prefix)) return undefined;
    const rel = sitePath.slice(this.#prefix.length);
    return this.#operations
      .filter((op) => op.method === method && op.pattern.test(rel))
      .sort((a, b) => b.literalLength - a.literalLength)[0];
  }

  #schema(op: Operation, status: number): { pointer: string; schema: Schema } | undefined {
    const response = op.responses[String(status)];
    const schema = response?.content?.['application/json']?.schema;
    if (!schema) return undefined;
    const pointer = `/paths/${escapePointer(op.template)}/${op.method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
    return { pointer, schema };
  }

  /** Schema errors of a response body, or undefined when the spec has no JSON schema for it. */
  validate(method: string, sitePath: string, status: number, body: unknown): string[] | undefined {
    const op = this.operation(method, sitePath);
    if (!op) throw new Error(`No operation in ${this.#id} for ${method} ${sitePath}`);
    const found = this.#schema(op, status);
    if (!found) return undefined;
    const key = `${this.#id}#${found.pointer}`;
    let validate = this.#compiled.get(key);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: key });
      this.#compiled.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
  }

  /** Properties in the body that the operation's response schema does not declare. */
  undeclared(method: string, sitePath: string, status: number, body: unknown): string[] {
    const op = this.operation(method, sitePath);
    const found = op && this.#schema(op, status);
    if (!found) return [];
    const out: string[] = [];
    this.#walk([found.schema], body, '', out);
    return out;
  }

  #resolve(schema: Schema): Schema {
    let s = schema;
    for (let i = 0; i < 20 && s.$ref; i++) {
      const pointer = s.$ref.replace(/^#\//, '').split('/');
      s = pointer.reduce<unknown>(
        (node, part) => (node as Json)[part.replaceAll('~1', '/').replaceAll('~0', '~')],
        this.#spec,
      ) as Schema;
    }
    return s;
  }

  /** Every property name the schema (through allOf/oneOf/anyOf) allows, or undefined if any are allowed. */
  #declared(schema: Schema): Map<string, Schema[]> | undefined {
    const s = this.#resolve(schema);
    if (s.additionalProperties !== undefined && s.additionalProperties !== false) return undefined;
    const out = new Map<string, Schema[]>();
    for (const [name, sub] of Object.entries(s.properties ?? {})) out.set(name, [sub]);
    for (const part of [...(s.allOf ?? []), ...(s.oneOf ?? []), ...(s.anyOf ?? [])]) {
      const inner = this.#declared(part);
      if (inner === undefined) return undefined;
      for (const [name, subs] of inner) out.set(name, [...(out.get(name) ?? []), ...subs]);
    }
    return s.properties || s.allOf || s.oneOf || s.anyOf ? out : undefined;
  }

  /** Walks `value` against all schemas that apply at this point (allOf parts are merged). */
  #walk(schemas: Schema[], value: unknown, where: string, out: string[]): void {
    const resolved = schemas.map((s) => this.#resolve(s));
    if (Array.isArray(value)) {
      const items = resolved
        .flatMap((s) => [s, ...[...(s.oneOf ?? []), ...(s.anyOf ?? [])].map((x) => this.#resolve(x))])
        .flatMap((s) => (s.items ? [s.items] : []));
      if (items.length > 0) {
        for (const [i, v] of value.entries()) this.#walk(items, v, `${where}/${i}`, out);
      }
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const declared = new Map<string, Schema[]>();
    for (const s of resolved) {
      const names = this.#declared(s);
      if (names === undefined) return; // some schema here allows any property
      for (const [name, subs] of names) declared.set(name, [...(declared.get(name) ?? []), ...subs]);
    }
    if (declared.size === 0 && resolved.every((s) => !s.properties)) return;
    for (const [name, v] of Object.entries(value)) {
      const subs = declared.get(name);
      if (subs) this.#walk(subs, v, `${where}/${name}`, out);
      else out.push(`${where}/${name}`);
    }
  }
}
