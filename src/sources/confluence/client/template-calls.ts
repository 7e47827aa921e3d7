// Page templates (v1 only: `/rest/api/template`): a space's templates with their bodies, one template, and
// creating one in a space.

import { z } from 'zod';
import { type Api, get, list, write } from './api-calls.ts';
import type { CallOptions, WriteOptions } from './client-types.ts';

const optStr = z.string().nullish();

export const templateV1Schema = z.looseObject({
  templateId: z.string(),
  name: z.string(),
  description: optStr,
  templateType: z.string(),
  editorVersion: optStr,
  labels: z.array(z.looseObject({ name: z.string(), prefix: optStr })).nullish(),
  body: z.looseObject({ storage: z.looseObject({ value: z.string() }).nullish() }).nullish(),
});
/** A page template as v1 returns it; `body.storage` only when asked for (or read alone). */
export type Template = z.infer<typeof templateV1Schema>;

export interface TemplateInput {
  name: string;
  description: string;
  labels: readonly { prefix: string; name: string }[];
  /** The body in storage format. */
  storage: string;
}

/** The page templates of a space, with their bodies (`expand=body`). */
export function listSpaceTemplates(
  api: Api,
  spaceKey: string,
  options: CallOptions,
): AsyncIterable<Template> {
  return list(
    api,
    '/rest/api/template/page',
    {},
    { spaceKey, expand: 'body' },
    templateV1Schema,
    options,
    25,
  );
}

export function getTemplate(api: Api, templateId: string, options: CallOptions): Promise<Template> {
  return get(api, '/rest/api/template/{id}', { id: templateId }, {}, templateV1Schema, options);
}

/** Creates a page template in the space (v1 POST: not idempotent, the caller checks names first). */
export function createSpaceTemplate(
  api: Api,
  spaceKey: string,
  input: TemplateInput,
  options: WriteOptions,
): Promise<Template> {
  const body = {
    name: input.name,
    templateType: 'page',
    description: input.description,
    labels: input.labels.map((l) => ({ prefix: l.prefix, name: l.name })),
    body: { storage: { value: input.storage, representation: 'storage' } },
    space: { key: spaceKey },
  };
  return write(api, 'POST', '/rest/api/template', {}, {}, body, templateV1Schema, options);
}
