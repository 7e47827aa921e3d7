// Attachment uploads (v1 only: v2 has none): multipart `file` + `comment` + `minorEdit`, with the
// `X-Atlassian-Token: nocheck` header Confluence's XSRF check wants. The file is streamed from an async
// iterable into the request (fetch with `duplex: 'half'`), never held whole. POST creates (an existing name is
// refused), PUT creates or adds a version, `…/{attachmentId}/data` adds a version to a known attachment. A
// 429 is retried only when the source is a function that can open the bytes again.

import type { z } from 'zod';
import { StepvaultError } from '../../../common/errors.ts';
import type { Api } from './api-calls.ts';
import type { UploadInput, UploadSource, WriteOptions } from './client-types.ts';
import { endpoint } from './endpoint.ts';
import { multipartBody } from './multipart-body.ts';
import { attachmentUploadSchema, attachmentV1Schema, type UploadedAttachment } from './records-v1.ts';

function opener(data: UploadSource): { open: () => AsyncIterable<Uint8Array>; replayable: boolean } {
  if (typeof data === 'function') return { open: data, replayable: true };
  let opened = false;
  return {
    open: () => {
      if (opened) throw new StepvaultError('internal', 'an upload stream can be sent only once');
      opened = true;
      return data;
    },
    replayable: false,
  };
}

function toRecord(v1: z.infer<typeof attachmentV1Schema>): UploadedAttachment {
  return {
    id: v1.id,
    title: v1.title,
    versionNumber: v1.version?.number ?? 1,
    mediaType: v1.extensions?.mediaType ?? undefined,
    fileSize: v1.extensions?.fileSize ?? undefined,
    comment: v1.extensions?.comment ?? undefined,
    fileId: v1.extensions?.fileId ?? undefined,
  };
}

async function send<T>(
  api: Api,
  method: 'POST' | 'PUT',
  template: string,
  params: Record<string, string>,
  input: UploadInput,
  schema: z.ZodType<T>,
  options: WriteOptions,
): Promise<T> {
  const { open, replayable } = opener(input.data);
  const fields = [
    ...(input.comment !== undefined
      ? [{ name: 'comment', value: input.comment, contentType: 'text/plain; charset=utf-8' }]
      : []),
    { name: 'minorEdit', value: String(input.minorEdit ?? true) },
  ];
  const body = multipartBody(fields, {
    field: 'file',
    filename: input.filename,
    mediaType: input.mediaType ?? 'application/octet-stream',
    size: input.size,
    open,
  });
  const { data } = await api.transport.json(
    {
      method,
      target: endpoint(template, params),
      body,
      replayable,
      headers: { 'x-atlassian-token': 'nocheck' },
      retryServerErrors: (options.retryServerErrors ?? false) && replayable,
      signal: options.signal,
    },
    schema,
  );
  return data;
}

export async function uploadAttachment(
  api: Api,
  containerId: string,
  input: UploadInput & { replace?: boolean },
  options: WriteOptions,
): Promise<UploadedAttachment> {
  const method = input.replace ? 'PUT' : 'POST';
  const answer = await send(
    api,
    method,
    '/rest/api/content/{id}/child/attachment',
    { id: containerId },
    input,
    attachmentUploadSchema,
    options,
  );
  const first = answer.results[0];
  if (!first)
    throw new StepvaultError(
      'io',
      `Confluence accepted the upload of ${input.filename} but returned no attachment`,
    );
  return toRecord(first);
}

export async function uploadAttachmentVersion(
  api: Api,
  containerId: string,
  attachmentId: string,
  input: UploadInput,
  options: WriteOptions,
): Promise<UploadedAttachment> {
  const answer = await send(
    api,
    'POST',
    '/rest/api/content/{id}/child/attachment/{attachmentId}/data',
    { id: containerId, attachmentId },
    input,
    attachmentV1Schema,
    options,
  );
  return toRecord(answer);
}
