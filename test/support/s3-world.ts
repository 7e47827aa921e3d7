// Test support: a RADOS Gateway with buckets, and what a CLI sandbox needs to use a repository in one of them
// (location and credentials in the environment), for the process-level S3 tests.

import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type Rgw, type S3Credentials, startRgw } from './rgw.ts';

export interface S3World {
  rgw: Rgw;
  /** A client with the owner's credentials (or others'). */
  client(credentials?: S3Credentials): S3Client;
  /** Creates a bucket (with Object Lock when asked) owned by `owner`. */
  bucket(name: string, options?: { objectLock?: boolean }): Promise<string>;
  /** The CLI environment of a repository under a fresh prefix of a bucket. */
  repository(
    bucket: string,
    credentials?: S3Credentials,
  ): { env: NodeJS.ProcessEnv; prefix: string; location: string };
}

export async function startS3World(): Promise<S3World> {
  const rgw = await startRgw();
  const client = (credentials: S3Credentials = rgw.owner) =>
    new S3Client({ endpoint: rgw.endpoint, region: rgw.region, forcePathStyle: true, credentials });
  const owner = client();
  return {
    rgw,
    client,
    async bucket(name, options = {}) {
      await owner.send(
        new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: options.objectLock === true }),
      );
      return name;
    },
    repository(bucket, credentials = rgw.owner) {
      const prefix = `repo-${randomBytes(4).toString('hex')}`;
      const location = `s3:${rgw.endpoint}/${bucket}/${prefix}`;
      return {
        prefix,
        location,
        env: {
          STEPVAULT_REPOSITORY: location,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_REGION: rgw.region,
        },
      };
    },
  };
}
