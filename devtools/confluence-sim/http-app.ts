// The site's HTTP application: the same routes under `/wiki` (site URL) and `/ex/confluence/{cloudId}/wiki`
// (api.atlassian.com gateway), behind one gate that every API request passes in this order: the burst rate
// limit (429), injected faults (429, 5xx, unrecoverable ids, extra delay), the configured latency,
// authentication (401). Every request is counted per endpoint with its status and bytes; rate-limit headers go
// on every response. `/__sim/stats` and `/_edge/tenant_info` sit outside the gate.

import { Hono, type MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { ADMIN_KEY_HEADER, authenticate } from './auth.ts';
import { type Ctx, type SimDeps, type SimEnv, sendError, sendJson, wikiPath } from './http-context.ts';
import type { RateDecision } from './rate-limiter.ts';
import { registerV1AttachmentRoutes } from './routes-v1-attachments.ts';
import { registerV1ContentRoutes } from './routes-v1-content.ts';
import { registerV1SearchRoutes } from './routes-v1-search.ts';
import { registerV1SpaceLookRoutes } from './routes-v1-space-look.ts';
import { registerV1SpaceRoutes } from './routes-v1-spaces.ts';
import { registerV1TemplateRoutes } from './routes-v1-templates.ts';
import { registerAttachmentRoutes } from './routes-v2-attachments.ts';
import { registerCommentRoutes } from './routes-v2-comments.ts';
import { registerContentRoutes } from './routes-v2-content.ts';
import { registerContentPartRoutes } from './routes-v2-content-parts.ts';
import { registerPropertyRoutes } from './routes-v2-properties.ts';
import { registerSiteRoutes } from './routes-v2-site.ts';
import { registerSpaceRoutes } from './routes-v2-spaces.ts';
import { registerTreeRoutes } from './routes-v2-tree.ts';
import { SimError } from './sim-error.ts';

const WRITE_METHODS = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);
/** Reads sent as POST (a body carries their ids): a read-only token may make them. */
const READS_BY_POST = new Set(['/wiki/api/v2/users-bulk']);

function rateHeaders(decision: RateDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(decision.remaining),
    'x-ratelimit-reset': new Date(decision.resetAt).toISOString(),
  };
  if (decision.remaining < decision.limit * 0.2) headers['x-ratelimit-nearlimit'] = 'true';
  return headers;
}

function counter(deps: SimDeps): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    await next();
    const route = routePath(c, -1).replace(/^\/ex\/confluence\/:cloudId/, '');
    const bytes = Number(c.res.headers.get('content-length') ?? 0);
    deps.stats.recordRequest(`${c.req.method} ${route}`, c.res.status, bytes);
  };
}

function gate(deps: SimDeps): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    const sleep = (ms: number) => (ms > 0 ? deps.clock.sleep(ms) : Promise.resolve());
    const quota = deps.settings.quota?.take();
    if (quota && !quota.allowed) {
      deps.stats.recordRateLimited();
      await sleep(deps.settings.latencyMs);
      return sendError(c, 429, 'Rate limit exceeded: the points quota is spent', quota.headers);
    }
    const decision = deps.settings.limiter?.take();
    if (decision && !decision.allowed) {
      deps.stats.recordRateLimited();
      await sleep(deps.settings.latencyMs);
      return sendError(c, 429, 'Rate limit exceeded', {
        ...rateHeaders(decision),
        'retry-after': String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))),
        'ratelimit-reason': 'confluence-burst-based',
      });
    }
    const extra = { ...(decision ? rateHeaders(decision) : {}), ...quota?.headers };
    const { fault, delayMs } = deps.faults.forRequest(
      c.req.method,
      `${wikiPath(c)}${new URL(c.req.url).search}`,
    );
    await sleep(deps.settings.latencyMs + delayMs);
    if (fault) {
      deps.stats.recordInjected(fault.kind === 'server' ? String(fault.status) : fault.kind);
      const retryAfter = String(deps.faults.retryAfterSeconds);
      if (fault.kind === 'rate429') {
        return sendError(c, 429, 'Rate limit exceeded', {
          ...extra,
          'retry-after': retryAfter,
          'ratelimit-reason': 'confluence-burst-based',
        });
      }
      if (fault.kind === 'server') {
        return sendError(
          c,
          fault.status,
          'Injected server error',
          fault.status === 503 ? { ...extra, 'retry-after': retryAfter } : extra,
        );
      }
      return sendError(c, 500, `Internal error while reading ${fault.id}`, extra);
    }
    const auth = authenticate(
      deps.store,
      c.req.header('authorization'),
      c.req.header(ADMIN_KEY_HEADER),
      c.req.param('cloudId' as never),
      WRITE_METHODS.has(c.req.method) && !READS_BY_POST.has(wikiPath(c)),
    );
    if (!auth.ok) {
      return sendError(
        c,
        auth.status,
        auth.message,
        auth.status === 401 ? { ...extra, 'www-authenticate': 'Basic realm="Confluence"' } : extra,
      );
    }
    c.set('actor', auth.actor);
    await refuseOversizedJson(c, deps);
    await next();
    for (const [name, value] of Object.entries(extra)) c.res.headers.set(name, value);
  };
}

/** A JSON write larger than the site takes is refused (413) before any route sees it, as Cloud's edge does. */
async function refuseOversizedJson(c: Ctx, deps: SimDeps): Promise<void> {
  if (!WRITE_METHODS.has(c.req.method) || !(c.req.header('content-type') ?? '').includes('json')) return;
  const limit = deps.settings.limits.jsonBytes;
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  const size = Number.isFinite(declared) ? declared : Buffer.byteLength(await c.req.text());
  if (size > limit)
    throw new SimError(413, `Request entity too large: ${size} bytes, the site takes at most ${limit}`);
}

function onError(error: Error, c: Ctx): Response {
  if (error instanceof SimError) return sendError(c, error.status, error.message);
  return sendError(c, 500, `Simulator error: ${error.message}`);
}

/** The Hono application of the site listener. */
export function createSiteApp(deps: SimDeps): Hono<SimEnv> {
  const wiki = new Hono<SimEnv>();
  registerSpaceRoutes(wiki, deps);
  registerContentRoutes(wiki, deps);
  registerContentPartRoutes(wiki, deps);
  registerTreeRoutes(wiki, deps);
  registerAttachmentRoutes(wiki, deps);
  registerCommentRoutes(wiki, deps);
  registerPropertyRoutes(wiki, deps);
  registerSiteRoutes(wiki, deps);
  registerV1SearchRoutes(wiki, deps); // before /rest/api/content/:id
  registerV1ContentRoutes(wiki, deps);
  registerV1AttachmentRoutes(wiki, deps);
  registerV1SpaceRoutes(wiki, deps);
  registerV1TemplateRoutes(wiki, deps);
  registerV1SpaceLookRoutes(wiki, deps);
  wiki.onError(onError);

  const app = new Hono<SimEnv>();
  app.get('/__sim/stats', (c) => sendJson(c, 200, deps.stats.snapshot()));
  app.post('/__sim/stats/reset', (c) => {
    deps.stats.reset();
    return sendJson(c, 200, { reset: true });
  });
  app.get('/_edge/tenant_info', (c) => sendJson(c, 200, { cloudId: deps.store.cloudId }));
  for (const prefix of ['/wiki', '/ex/confluence/:cloudId/wiki']) {
    app.use(`${prefix}/*`, counter(deps), gate(deps));
    app.route(prefix, wiki);
  }
  app.notFound((c) => sendError(c, 404, `No route for ${c.req.method} ${c.req.path}`));
  app.onError(onError);
  return app;
}
