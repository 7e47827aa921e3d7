// A distributed Map's items and results in Amazon S3 (or an S3-compatible store), as Step Functions reads and
// writes them: the engine's ItemReader/ResultWriter over S3's GetObject, ListObjectsV2 (every page) and PutObject,
// through the AWS SDK's default chain (credentials, region, AWS_ENDPOINT_URL_S3 for another endpoint).

import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Json } from '../../workflows/asl/json.ts';
import {
  assertSize,
  type ItemIo,
  type ObjectStore,
  objectStoreItemIo,
} from '../../workflows/engine/item-io.ts';

/** Items and results in S3; `client` defaults to one from the SDK's default chain (path-style addressing). */
export function s3ItemIo(client?: S3Client): ItemIo {
  return objectStoreItemIo(s3ObjectStore(client));
}

/** S3 as an ObjectStore (the buckets of distributed Maps, and the files of fan-out runs). */
export function s3ObjectStore(client: S3Client = new S3Client({ forcePathStyle: true })): ObjectStore {
  return {
    async getText(bucket, key, maxBytes) {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (maxBytes !== undefined) {
        try {
          assertSize(key, got.ContentLength ?? Number.POSITIVE_INFINITY, maxBytes);
        } catch (e) {
          await got.Body?.transformToWebStream().cancel();
          throw e;
        }
      }
      return (await got.Body?.transformToString('utf8')) ?? '';
    },
    async list(bucket, prefix) {
      const out: Json[] = [];
      let token: string | undefined;
      do {
        const page: ListObjectsV2CommandOutput = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) {
          out.push({
            Key: o.Key ?? '',
            Size: o.Size ?? 0,
            LastModified: o.LastModified?.toISOString() ?? null,
            StorageClass: o.StorageClass ?? 'STANDARD',
            ...(o.ETag ? { Etag: o.ETag } : {}),
          });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    async put(bucket, key, body) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
      );
    },
  };
}
