// The Hono application serving the route table: on every route but /healthz the bearer token is checked first
// (401 without a known token — also for paths that do not exist — then 403 without the role), then the path
// parameters, query and body (400/413/415), then the handler; errors get the API's JSON shape. A refused write
// by a known caller is recorded in the audit log. Replies are never cached and never sniffed.

import type { Context } from 'hono';
import { Hono } from 'hono';
import { errorResponse } from './api-errors.ts';
import { authenticate, type Caller, hasRole } from './bearer-tokens.ts';
import type { DaemonApi } from './daemon-api.ts';
import { openApiDocument } from './openapi.ts';
import { readJsonBody, readParam, readQuery } from './request-input.ts';
import { type Reply, ROUTES, type RouteSpec } from './routes.ts';

const OPENAPI_PATH = '/api/v1/openapi.json';

export function createApiApp(api: DaemonApi, options: { writesAllowed: () => boolean }): Hono {
  const app = new Hono();
  const document = openApiDocument(ROUTES);
  app.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  });
  for (const route of ROUTES) {
    const path = route.path.replace(/\{(\w+)\}/g, ':$1');
    app.on(route.method.toUpperCase(), path, (c) => serve(c, route));
  }
  app.notFound((c) => {
    if (!authenticate(c.req.header('authorization'), api.tokens())) return unauthorized(c);
    return c.json({ error: { code: 'not-found', message: 'no such route' } }, 404);
  });
  app.onError((e, c) => {
    api.internalError(e, c.req.method, c.req.path);
    const { status, body } = errorResponse(e);
    return c.json(body, status as 500);
  });

  async function serve(c: Context, route: RouteSpec): Promise<Response> {
    let caller: Caller | undefined;
    if (route.role !== null) {
      caller = authenticate(c.req.header('authorization'), api.tokens());
      if (!caller) return unauthorized(c);
      if (!hasRole(caller, route.role)) {
        if (route.method === 'post') await api.refusedWrite(caller, 'POST', route.path, 403, 'forbidden');
        return c.json(
          {
            error: {
              code: 'forbidden',
              message: `this needs the ${route.role} role; ${caller.name} is ${caller.role}`,
            },
          },
          403,
        );
      }
    }
    try {
      if (route.method === 'post' && !options.writesAllowed()) {
        return c.json(
          { error: { code: 'shutting-down', message: 'the daemon is stopping: no new work' } },
          503,
        );
      }
      const params: Record<string, unknown> = {};
      for (const [name, schema] of Object.entries(route.params))
        params[name] = readParam(c.req.param(name), schema, name);
      const query = readQuery(new URL(c.req.url), route.query);
      const body = route.body ? await readJsonBody(c.req.raw, route.body) : undefined;
      const reply: Reply =
        route.path === OPENAPI_PATH
          ? { status: 200, body: document }
          : await route.handle(
              { params, query, body, caller: caller ?? { name: 'anonymous', role: 'viewer' } },
              api,
            );
      if (reply.text) {
        return c.body(reply.text.content, reply.status as 200, { 'Content-Type': reply.text.contentType });
      }
      return c.json(reply.body as object, reply.status as 200);
    } catch (e) {
      const { status, body, internal } = errorResponse(e);
      if (internal) api.internalError(e, route.method.toUpperCase(), route.path);
      if (route.method === 'post' && caller && status < 500) {
        await api.refusedWrite(caller, 'POST', route.path, status, body.error.code);
      }
      return c.json(body, status as 400);
    }
  }

  return app;
}

function unauthorized(c: Context): Response {
  c.header('WWW-Authenticate', 'Bearer realm="stepvault"');
  return c.json({ error: { code: 'unauthorized', message: 'a valid bearer token is needed' } }, 401);
}
