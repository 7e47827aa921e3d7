// The snapshot-chain tamper tests of test/snapshot-chain.test.ts against a repository in an S3 bucket (a RADOS
// Gateway on loopback), tampered with through plain S3 calls.

import * as fs from 'node:fs';
import { after, before, describe } from 'node:test';
import { Secret } from '../src/common/secret.ts';
import { Repository } from '../src/repository/repository.ts';
import { openLocation } from '../src/storage/location-registry.ts';
import { describeChainTamper } from './support/chain-tamper.ts';
import type { CliSandbox } from './support/cli.ts';
import { s3RawStore } from './support/raw-store.ts';
import { type S3World, startS3World } from './support/s3-world.ts';

describe('snapshot chain in S3', () => {
  let world: S3World;
  before(async () => {
    world = await startS3World();
    await world.bucket('chain');
  });
  after(() => world?.rgw.stop());

  describeChainTamper('s3', async (sb: CliSandbox) => {
    const { env, prefix, location } = world.repository('chain');
    const owner = world.rgw.owner;
    return {
      env,
      raw: s3RawStore(world.client(), 'chain', prefix),
      open: async () =>
        Repository.open(
          await openLocation(location, {
            accessKeyId: new Secret(owner.accessKeyId),
            secretAccessKey: new Secret(owner.secretAccessKey),
          }),
          fs.readFileSync(sb.passwordFile, 'utf8').trim(),
        ),
    };
  });
});
