// v1 space settings, theme and look and feel: read them (space read access), change them (space
// administration). A space without a theme answers 404 to its theme, as Cloud does; only the site's installed
// themes (`store.themes`) exist. The global look and feel is a fixed default; a space's custom one is whatever was posted (an object with
// LookAndFeel's required parts).

import { canAdministerSpace } from './access.ts';
import {
  actorOf,
  type Ctx,
  jsonBody,
  type SimApp,
  type SimDeps,
  sendEmpty,
  sendJson,
} from './http-context.ts';
import { readableSpaceByKey } from './lookup.ts';
import type { Space } from './model.ts';
import { badRequest, notFound, SimError } from './sim-error.ts';

const NAV = {
  color: '#42526E',
  highlightColor: '#0052CC',
  hoverOrFocus: { backgroundColor: '#EBECF0', color: '#172B4D' },
};
const BOX = {
  background: '#FFFFFF',
  backgroundColor: '#FFFFFF',
  backgroundImage: '',
  backgroundSize: 'auto',
  borderRadius: '3px',
  padding: '0',
};

/** Confluence's default look and feel (the global one of every simulated site). */
export const GLOBAL_LOOK_AND_FEEL: Record<string, unknown> = {
  headings: { color: '#172B4D' },
  links: { color: '#0052CC' },
  menus: { color: '#42526E', hoverOrFocus: { backgroundColor: '#EBECF0' } },
  header: {
    backgroundColor: '#FFFFFF',
    button: { backgroundColor: '#0052CC', color: '#FFFFFF' },
    primaryNavigation: NAV,
    secondaryNavigation: NAV,
    search: { backgroundColor: '#FFFFFF', color: '#42526E' },
  },
  content: { screen: { background: '#FFFFFF' }, container: BOX, header: BOX, body: BOX },
  bordersAndDividers: { color: '#DFE1E6' },
};

const REQUIRED = ['headings', 'links', 'menus', 'header', 'content', 'bordersAndDividers'];

export function registerV1SpaceLookRoutes(app: SimApp, deps: SimDeps): void {
  const { store } = deps;
  const administered = (c: Ctx, key: string): Space => {
    const space = readableSpaceByKey(c, store, key);
    if (!canAdministerSpace(space, actorOf(c))) throw new SimError(403, 'You may not administer this space');
    return space;
  };
  const spaceKeyQuery = (c: Ctx): string => {
    const key = c.req.query('spaceKey');
    if (!key) throw badRequest('spaceKey is required (the site-wide look and feel is not simulated)');
    return key;
  };
  const settingsJson = (space: Space) => ({
    routeOverrideEnabled: space.look?.routeOverrideEnabled ?? false,
    editor: { page: 'v2', blogpost: 'v2', default: 'v2' },
    spaceKey: space.key,
    _links: {},
  });

  app.get('/rest/api/space/:spaceKey/settings', (c) =>
    sendJson(c, 200, settingsJson(readableSpaceByKey(c, store, c.req.param('spaceKey')))),
  );
  app.put('/rest/api/space/:spaceKey/settings', async (c) => {
    const space = administered(c, c.req.param('spaceKey'));
    const body = await jsonBody(c);
    if (body.routeOverrideEnabled !== undefined) {
      if (typeof body.routeOverrideEnabled !== 'boolean')
        throw badRequest('routeOverrideEnabled must be a boolean');
      space.look = { ...space.look, routeOverrideEnabled: body.routeOverrideEnabled };
    }
    return sendJson(c, 200, settingsJson(space));
  });

  const themeJson = (key: string) => ({
    themeKey: key,
    name: store.themes.get(key),
    description: '',
    _links: {},
  });
  app.get('/rest/api/space/:spaceKey/theme', (c) => {
    const space = readableSpaceByKey(c, store, c.req.param('spaceKey'));
    const key = space.look?.themeKey;
    if (!key) throw notFound(`No theme set for space ${space.key}`);
    return sendJson(c, 200, themeJson(key));
  });
  app.put('/rest/api/space/:spaceKey/theme', async (c) => {
    const space = administered(c, c.req.param('spaceKey'));
    const { themeKey } = await jsonBody(c);
    if (typeof themeKey !== 'string' || !store.themes.has(themeKey))
      throw notFound(`Theme ${String(themeKey)}`);
    space.look = { ...space.look, themeKey };
    return sendJson(c, 200, themeJson(themeKey));
  });
  app.delete('/rest/api/space/:spaceKey/theme', (c) => {
    const space = administered(c, c.req.param('spaceKey'));
    if (space.look) delete space.look.themeKey;
    return sendEmpty(204);
  });

  app.get('/rest/api/settings/lookandfeel', (c) => {
    const space = readableSpaceByKey(c, store, spaceKeyQuery(c));
    return sendJson(c, 200, {
      selected: space.look?.selected ?? 'global',
      global: GLOBAL_LOOK_AND_FEEL,
      custom: space.look?.custom ?? GLOBAL_LOOK_AND_FEEL,
    });
  });
  app.put('/rest/api/settings/lookandfeel', async (c) => {
    const body = await jsonBody(c);
    if (typeof body.spaceKey !== 'string') throw badRequest('spaceKey is required');
    const space = administered(c, body.spaceKey);
    const type = body.lookAndFeelType;
    if (type !== 'global' && type !== 'custom' && type !== 'theme')
      throw badRequest('lookAndFeelType must be global, custom or theme');
    if (type === 'custom' && !space.look?.custom)
      throw new SimError(409, 'The space has no custom look and feel');
    if (type === 'theme' && !space.look?.themeKey) throw new SimError(409, 'The space has no theme');
    space.look = { ...space.look, selected: type };
    return sendJson(c, 200, { spaceKey: space.key, lookAndFeelType: type });
  });
  app.post('/rest/api/settings/lookandfeel/custom', async (c) => {
    const space = administered(c, spaceKeyQuery(c));
    const body = await jsonBody(c);
    const lacking = REQUIRED.filter((k) => typeof body[k] !== 'object' || body[k] === null);
    if (lacking.length > 0) throw badRequest(`look and feel lacks ${lacking.join(', ')}`);
    space.look = { ...space.look, custom: body };
    return sendJson(c, 200, { ...body, _links: {} });
  });
}
