// How a space looks (v1 only): its settings (`routeOverrideEnabled`), its theme, and which look and feel it
// uses with its custom one. Reads and the writes a restore needs.

import { z } from 'zod';
import { isStepvaultError } from '../../../common/errors.ts';
import { type Api, get, write } from './api-calls.ts';
import type { CallOptions, WriteOptions } from './client-types.ts';

const settingsSchema = z.looseObject({ routeOverrideEnabled: z.boolean() });
const themeSchema = z.looseObject({ themeKey: z.string() });
const lookAndFeelSchema = z.looseObject({
  selected: z.string(),
  custom: z.record(z.string(), z.unknown()).nullish(),
});
const selectionSchema = z.looseObject({ lookAndFeelType: z.string() });
const customSchema = z.looseObject({});

export type LookAndFeelType = 'global' | 'custom' | 'theme';

export async function getSpaceSettings(
  api: Api,
  spaceKey: string,
  options: CallOptions,
): Promise<{ routeOverrideEnabled: boolean }> {
  return get(api, '/rest/api/space/{key}/settings', { key: spaceKey }, {}, settingsSchema, options);
}

export async function updateSpaceSettings(
  api: Api,
  spaceKey: string,
  routeOverrideEnabled: boolean,
  options: WriteOptions,
): Promise<void> {
  await write(
    api,
    'PUT',
    '/rest/api/space/{key}/settings',
    { key: spaceKey },
    {},
    { routeOverrideEnabled },
    settingsSchema,
    options,
  );
}

/** The space's theme key, or undefined when it has none (404: the default). */
export async function getSpaceTheme(
  api: Api,
  spaceKey: string,
  options: CallOptions,
): Promise<string | undefined> {
  try {
    return (await get(api, '/rest/api/space/{key}/theme', { key: spaceKey }, {}, themeSchema, options))
      .themeKey;
  } catch (error) {
    if (isStepvaultError(error, 'not-found')) return undefined;
    throw error;
  }
}

export async function setSpaceTheme(
  api: Api,
  spaceKey: string,
  themeKey: string,
  options: WriteOptions,
): Promise<void> {
  await write(
    api,
    'PUT',
    '/rest/api/space/{key}/theme',
    { key: spaceKey },
    {},
    { themeKey },
    themeSchema,
    options,
  );
}

/** Which look and feel the space uses, and its custom one (the spec's LookAndFeel, kept as it came). */
export async function getLookAndFeel(
  api: Api,
  spaceKey: string,
  options: CallOptions,
): Promise<{ selected: string; custom?: Record<string, unknown> | null | undefined }> {
  return get(api, '/rest/api/settings/lookandfeel', {}, { spaceKey }, lookAndFeelSchema, options);
}

export async function setCustomLookAndFeel(
  api: Api,
  spaceKey: string,
  custom: Record<string, unknown>,
  options: WriteOptions,
): Promise<void> {
  await write(
    api,
    'POST',
    '/rest/api/settings/lookandfeel/custom',
    {},
    { spaceKey },
    custom,
    customSchema,
    options,
  );
}

export async function selectLookAndFeel(
  api: Api,
  spaceKey: string,
  type: LookAndFeelType,
  options: WriteOptions,
): Promise<void> {
  await write(
    api,
    'PUT',
    '/rest/api/settings/lookandfeel',
    {},
    {},
    { spaceKey, lookAndFeelType: type },
    selectionSchema,
    options,
  );
}
