// The OpenAPI 3.1 document of the API, generated from the route table and its zod schemas (JSON Schema 2020-12,
// which OpenAPI 3.1 uses as is): every route with its role, parameters, body and replies, the bearer security
// scheme, and the error shape shared by all failures.

import { z } from 'zod';
import { VERSION } from '../../operations/program.ts';
import { errorResponse } from './api-schemas.ts';
import type { RouteSpec } from './routes.ts';

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid parameters, query or body',
  401: 'no token, or one the daemon does not know',
  403: 'the token lacks the role this route needs',
  404: 'no such object',
  409: 'conflicts with the current state',
  413: 'the body is larger than 64 KiB',
  415: 'the body is not JSON',
  500: 'failed inside the daemon',
  503: 'a repository or service is unavailable; retry later',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

function operationId(route: RouteSpec): string {
  const words = route.path
    .replace(/^\/api\/v1/, '')
    .split(/[/.{}-]+/)
    .filter(Boolean);
  return route.method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

export function openApiDocument(routes: readonly RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = Object.entries(route.params).map(([name, schema]) => ({
      name,
      in: 'path',
      required: true,
      schema: jsonSchema(schema, 'input'),
    }));
    const shape = (route.query as z.ZodObject).shape as Record<string, z.ZodType>;
    for (const [name, schema] of Object.entries(shape)) {
      parameters.push({
        name,
        in: 'query',
        required: !schema.safeParse(undefined).success,
        schema: jsonSchema(schema, 'input'),
      });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, reply] of Object.entries(route.replies)) {
      responses[status] = {
        description: reply.description,
        content:
          reply.schema === 'text'
            ? { 'text/plain': { schema: { type: 'string' } } }
            : { 'application/json': { schema: jsonSchema(reply.schema, 'output') } },
      };
    }
    const errors = new Set([400, 500, ...route.errors, ...(route.role ? [401, 403] : [])]);
    for (const status of [...errors].sort()) {
      responses[String(status)] = {
        description: ERROR_TEXT[status] ?? 'error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const operation: Record<string, unknown> = {
      operationId: operationId(route),
      summary: route.summary,
      security: route.role ? [{ bearerToken: [] }] : [],
      'x-stepvault-role': route.role ?? 'none',
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: false,
              content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'stepvault daemon API',
      version: VERSION,
      description:
        'The HTTP API of `stepvault serve`. Every route but /healthz needs `Authorization: Bearer <token>`; ' +
        'tokens are configured in stepvault.yaml as SHA-256 hashes with a role (viewer < operator < admin). ' +
        'Bodies are JSON, at most 64 KiB, nested at most 8 levels, with no unknown fields.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: jsonSchema(errorResponse, 'output') },
    },
  };
}
