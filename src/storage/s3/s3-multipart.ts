// Uploading a large local file as one object in parts: each part read from the file, sent with its SHA-256, the
// upload completed create-only (`If-None-Match: *`) and aborted on any failure, so no half-made object and no
// orphaned parts are left.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { StepvaultError } from '../../common/errors.ts';

export const PART_SIZE = 16 * 1024 * 1024;

export interface PartsUpload {
  client: S3Client;
  bucket: string;
  key: string;
  /** Names the upload in errors ("PUT data/1a2b…"). */
  what: string;
  /** Object Lock headers (stores may ignore them on multipart uploads: the caller sets retention after). */
  lock: Record<string, unknown>;
  /** Makes one request, mapping its error. */
  send<T>(what: string, run: () => Promise<T>): Promise<T>;
  /** Told of every part's bytes as they are sent. */
  sent(bytes: number): void;
}

/** Uploads `file` (`size` bytes); returns the version the store made. */
export async function uploadInParts(u: PartsUpload, file: string, size: number): Promise<string | undefined> {
  const { client, bucket: Bucket, key: Key } = u;
  const { UploadId } = await u.send(u.what, () =>
    client.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'SHA256', ...u.lock })),
  );
  const parts: { PartNumber: number; ETag: string; ChecksumSHA256: string }[] = [];
  const handle = await fs.promises.open(file, 'r');
  try {
    for (let at = 0, number = 1; at < size; at += PART_SIZE, number++) {
      const length = Math.min(PART_SIZE, size - at);
      const body = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(body, 0, length, at);
      if (bytesRead !== length) throw new StepvaultError('io', `${file} shrank while it was uploaded`);
      const checksum = createHash('sha256').update(body).digest('base64');
      const { ETag } = await u.send(`${u.what} (part ${number})`, () =>
        client.send(
          new UploadPartCommand({
            Bucket,
            Key,
            UploadId,
            PartNumber: number,
            Body: body,
            ContentLength: length,
            ChecksumSHA256: checksum,
          }),
        ),
      );
      u.sent(length);
      parts.push({ PartNumber: number, ETag: ETag!, ChecksumSHA256: checksum });
    }
    const { VersionId } = await u.send(u.what, () =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: parts },
        }),
      ),
    );
    return VersionId;
  } catch (e) {
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => {});
    throw e;
  } finally {
    await handle.close();
  }
}
