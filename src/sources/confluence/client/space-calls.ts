// Spaces: list (one listing per status, every type), get, find by key, properties, labels, permissions (v2
// reads); create (v2, falling back to v1 where v2 creation is not offered), properties and permissions
// (v1, the only write API for them); and the Admin Key that opens restricted content to an admin.

import { StepvaultError } from '../../../common/errors.ts';
import { type Api, get, list, write, writeNoContent } from './api-calls.ts';
import type {
  CallOptions,
  CreateSpaceInput,
  ListSpacesOptions,
  PropertyInput,
  SpacePermissionInput,
  WriteOptions,
} from './client-types.ts';
import { httpStatusOf } from './http-errors.ts';
import {
  type AdminKey,
  adminKeySchema,
  type Label,
  labelSchema,
  listSchema,
  type Space,
  type SpacePermission,
  type SpaceProperty,
  spacePermissionSchema,
  spacePropertySchema,
  spaceSchema,
} from './records.ts';
import { spaceV1Schema } from './records-v1.ts';

export async function* listSpaces(api: Api, options: ListSpacesOptions): AsyncIterable<Space> {
  const statuses = options.statuses ?? ['current', 'archived'];
  const types = options.types && options.types.length > 0 ? options.types : [undefined];
  for (const status of statuses) {
    for (const type of types) {
      yield* list(
        api,
        '/api/v2/spaces',
        {},
        {
          status,
          type,
          keys: options.keys,
          ids: options.ids,
          'description-format': options.descriptionFormat,
        },
        spaceSchema,
        options,
      );
    }
  }
}

export function getSpace(
  api: Api,
  spaceId: string,
  options: CallOptions & { descriptionFormat?: 'plain' | 'view' },
): Promise<Space> {
  return get(
    api,
    '/api/v2/spaces/{id}',
    { id: spaceId },
    { 'description-format': options.descriptionFormat },
    spaceSchema,
    options,
  );
}

export async function findSpaceByKey(
  api: Api,
  key: string,
  options: CallOptions,
): Promise<Space | undefined> {
  for (const status of ['current', 'archived'] as const) {
    const page = await get(
      api,
      '/api/v2/spaces',
      {},
      { keys: [key], status },
      listSchema(spaceSchema),
      options,
    );
    const found = page.results.find((s) => s.key === key);
    if (found) return found;
  }
  return undefined;
}

export function listSpaceProperties(
  api: Api,
  spaceId: string,
  options: CallOptions,
): AsyncIterable<SpaceProperty> {
  return list(api, '/api/v2/spaces/{id}/properties', { id: spaceId }, {}, spacePropertySchema, options);
}

export function listSpaceLabels(api: Api, spaceId: string, options: CallOptions): AsyncIterable<Label> {
  return list(api, '/api/v2/spaces/{id}/labels', { id: spaceId }, {}, labelSchema, options);
}

export function listSpacePermissions(
  api: Api,
  spaceId: string,
  options: CallOptions,
): AsyncIterable<SpacePermission> {
  return list(api, '/api/v2/spaces/{id}/permissions', { id: spaceId }, {}, spacePermissionSchema, options);
}

export async function createSpace(api: Api, input: CreateSpaceInput, options: WriteOptions): Promise<Space> {
  const description =
    input.description === undefined
      ? {}
      : { description: { value: input.description, representation: 'plain' } };
  try {
    return await write(
      api,
      'POST',
      '/api/v2/spaces',
      {},
      {},
      { key: input.key, name: input.name, ...description },
      spaceSchema,
      options,
    );
  } catch (error) {
    // v2 space creation is an early-access API: where a site does not offer it, v1 does the same.
    const status = httpStatusOf(error);
    if (status !== 404 && status !== 405 && status !== 501) throw error;
  }
  const v1Description =
    input.description === undefined
      ? {}
      : { description: { plain: { value: input.description, representation: 'plain' } } };
  await write(
    api,
    'POST',
    '/rest/api/space',
    {},
    {},
    { key: input.key, name: input.name, ...v1Description },
    spaceV1Schema,
    options,
  );
  const created = await findSpaceByKey(api, input.key, options);
  if (!created) throw new StepvaultError('io', `Space ${input.key} was created but cannot be read back`);
  return created;
}

export function createSpaceProperty(
  api: Api,
  spaceId: string,
  input: PropertyInput,
  options: WriteOptions,
): Promise<SpaceProperty> {
  return write(
    api,
    'POST',
    '/api/v2/spaces/{id}/properties',
    { id: spaceId },
    {},
    input,
    spacePropertySchema,
    options,
  );
}

export function addSpacePermission(
  api: Api,
  spaceKey: string,
  input: SpacePermissionInput,
  options: WriteOptions,
): Promise<void> {
  const body = {
    subject: { type: input.principal.type, identifier: input.principal.id },
    operation: { key: input.operation.key, target: input.operation.target },
  };
  return writeNoContent(
    api,
    'POST',
    '/rest/api/space/{key}/permission',
    { key: spaceKey },
    {},
    body,
    options,
  );
}

export function enableAdminKey(api: Api, durationMinutes: number, options: CallOptions): Promise<AdminKey> {
  return write(
    api,
    'POST',
    '/api/v2/admin-key',
    {},
    {},
    { durationInMinutes: durationMinutes },
    adminKeySchema,
    options,
  );
}

export function disableAdminKey(api: Api, options: CallOptions): Promise<void> {
  return writeNoContent(api, 'DELETE', '/api/v2/admin-key', {}, {}, undefined, options);
}
