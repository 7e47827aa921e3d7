// The S3 backend against a real S3 server — a Ceph RADOS Gateway this test starts on loopback — held to the same
// storage contract as the local and memory backends, single PUTs and uploads in parts alike.

import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Secret } from '../src/common/secret.ts';
import { describeBackendConformance } from '../src/storage/backend-conformance.ts';
import { RetryingBackend } from '../src/storage/retrying-backend.ts';
import { S3Backend } from '../src/storage/s3/s3-backend.ts';
import { createS3Client } from '../src/storage/s3/s3-client.ts';
import { parseS3Location } from '../src/storage/s3/s3-location.ts';
import { type Rgw, startRgw } from './support/rgw.ts';

describe('S3 backend on a RADOS Gateway', () => {
  let rgw: Rgw;
  const bucket = 'conformance';
  before(async () => {
    rgw = await startRgw();
    const admin = new S3Client({
      endpoint: rgw.endpoint,
      region: rgw.region,
      forcePathStyle: true,
      credentials: rgw.owner,
    });
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    admin.destroy();
  });
  after(() => rgw?.stop());

  describeBackendConformance('s3 (RADOS Gateway)', {
    async make() {
      const location = parseS3Location(`${rgw.endpoint}/${bucket}/repo-${randomBytes(6).toString('hex')}`);
      const { client, clock } = createS3Client(location, {
        options: {
          accessKeyId: new Secret(rgw.owner.accessKeyId),
          secretAccessKey: new Secret(rgw.owner.secretAccessKey),
        },
        env: {},
      });
      // As it is opened for use, behind the retrying decorator; parts from 8 MiB, so the suite's 20 MiB file goes
      // up in parts.
      const backend = new RetryingBackend(
        new S3Backend(location, client, clock, { multipartFrom: 8 * 1024 * 1024 }),
      );
      return { backend, cleanup: async () => {} };
    },
  });
});
