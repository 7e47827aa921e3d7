import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openApiDocument } from './openapi.ts';
import { ROUTES } from './routes.ts';

describe('openApiDocument', () => {
  const doc = openApiDocument(ROUTES) as {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        {
          operationId: string;
          parameters?: { name: string; in: string }[];
          security: unknown[];
          responses: Record<string, unknown>;
        }
      >
    >;
  };

  it('documents every route once, with a unique operation id', () => {
    assert.equal(doc.openapi, '3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops).map(([m, op]) => ({ p, m, op })),
    );
    assert.equal(operations.length, ROUTES.length);
    assert.equal(new Set(operations.map((o) => o.op.operationId)).size, operations.length);
  });

  it('declares each path parameter of a template, and 401/403 wherever a token is needed', () => {
    for (const route of ROUTES) {
      const op = doc.paths[route.path]![route.method]!;
      const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      assert.deepEqual(
        (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        inPath,
        route.path,
      );
      if (route.role) {
        assert.ok(op.responses['401'] && op.responses['403'], `${route.method} ${route.path}`);
        assert.deepEqual(op.security, [{ bearerToken: [] }]);
      } else assert.deepEqual(op.security, []);
    }
  });

  it('never lets a write route be reached by a viewer', () => {
    for (const route of ROUTES.filter((r) => r.method === 'post'))
      assert.notEqual(route.role, 'viewer', route.path);
  });
});
