// A distributed Map's ItemReader and ResultWriter in S3, on the local engine: against a RADOS Gateway started by
// the project's script, the same definition that reads from and writes to local buckets reads a JSON array and
// a listing of more than one page of keys from a bucket, and writes its results and manifest there, as Step
// Functions does.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3ItemIo, s3ObjectStore } from '../src/plans/aws-sdk/s3-item-io.ts';
import { WorkflowEngine } from '../src/workflows/engine/engine.ts';
import { TaskRegistry } from '../src/workflows/engine/task-registry.ts';
import { type S3World, startS3World } from './support/s3-world.ts';

describe('distributed Map items and results in S3', () => {
  let world: S3World;
  let client: S3Client;
  let engine: WorkflowEngine;

  before(async () => {
    world = await startS3World();
    client = world.client();
    await world.bucket('map-items');
    await client.send(
      new PutObjectCommand({
        Bucket: 'map-items',
        Key: 'spaces.json',
        Body: JSON.stringify([{ key: 'ENG' }, { key: 'OPS' }, { key: 'HR' }]),
      }),
    );
    // more keys than one ListObjectsV2 page holds (1,000)
    const keys = Array.from({ length: 1003 }, (_, i) => `pages/${String(i).padStart(4, '0')}.json`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(
        keys
          .slice(i, i + 50)
          .map((Key) => client.send(new PutObjectCommand({ Bucket: 'map-items', Key, Body: '{}' }))),
      );
    engine = new WorkflowEngine({
      store: ':memory:',
      registry: new TaskRegistry(),
      itemIo: s3ItemIo(client),
    });
  });
  after(async () => {
    await engine?.close();
    client?.destroy();
    await world?.rgw.stop();
  });

  const text = async (key: string) =>
    (await (
      await client.send(new GetObjectCommand({ Bucket: 'map-items', Key: key }))
    ).Body?.transformToString()) ?? '';

  it('refuses an object larger than the reader allows, unread', async () => {
    const store = s3ObjectStore(client);
    assert.equal(JSON.parse(await store.getText('map-items', 'spaces.json', 1000)).length, 3);
    await assert.rejects(
      store.getText('map-items', 'spaces.json', 10),
      /spaces\.json holds \d+ bytes, more than the 10/,
    );
  });

  it('reads a JSON array from a bucket and writes SUCCEEDED_0.json and the manifest there', async () => {
    const d = await engine.run(
      {
        StartAt: 'Spaces',
        States: {
          Spaces: {
            Type: 'Map',
            ItemReader: {
              Resource: 'arn:aws:states:::s3:getObject',
              ReaderConfig: { InputType: 'JSON' },
              Parameters: { Bucket: 'map-items', Key: 'spaces.json' },
            },
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'Name',
              States: { Name: { Type: 'Pass', Parameters: { 'space.$': '$.key' }, End: true } },
            },
            ResultWriter: {
              Resource: 'arn:aws:states:::s3:putObject',
              Parameters: { Bucket: 'map-items', Prefix: 'runs' },
            },
            End: true,
          },
        },
      },
      {},
    );
    assert.equal(d.status, 'SUCCEEDED', d.cause);
    const { ResultWriterDetails } = JSON.parse(d.output!) as {
      ResultWriterDetails: { Bucket: string; Key: string };
    };
    assert.equal(ResultWriterDetails.Bucket, 'map-items');
    const manifest = JSON.parse(await text(ResultWriterDetails.Key)) as {
      ResultFiles: { SUCCEEDED: { Key: string; Size: number }[]; FAILED: unknown[] };
    };
    assert.equal(manifest.ResultFiles.FAILED.length, 0);
    const [succeeded] = manifest.ResultFiles.SUCCEEDED;
    const body = await text(succeeded!.Key);
    assert.equal(Buffer.byteLength(body), succeeded!.Size);
    const outputs = (JSON.parse(body) as { Index: number; Output: string }[])
      .sort((a, b) => a.Index - b.Index)
      .map((r) => JSON.parse(r.Output) as { space: string });
    assert.deepEqual(outputs, [{ space: 'ENG' }, { space: 'OPS' }, { space: 'HR' }]);
  });

  it('lists every key under a prefix, past the first page', async () => {
    const d = await engine.run(
      {
        StartAt: 'Pages',
        States: {
          Pages: {
            Type: 'Map',
            ItemReader: {
              Resource: 'arn:aws:states:::s3:listObjectsV2',
              Parameters: { Bucket: 'map-items', Prefix: 'pages/' },
            },
            ItemSelector: { 'key.$': '$$.Map.Item.Value.Key' },
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'Key',
              States: { Key: { Type: 'Pass', OutputPath: '$.key', End: true } },
            },
            MaxConcurrency: 100,
            End: true,
          },
        },
      },
      {},
    );
    assert.equal(d.status, 'SUCCEEDED', d.cause);
    const keys = JSON.parse(d.output!) as string[];
    assert.equal(keys.length, 1003);
    assert.equal(new Set(keys).size, 1003);
    assert.equal(keys.at(-1), 'pages/1002.json');
  });

  it('names a missing object as the ItemReader failure it is', async () => {
    const d = await engine.run(
      {
        StartAt: 'Nothing',
        States: {
          Nothing: {
            Type: 'Map',
            ItemReader: {
              Resource: 'arn:aws:states:::s3:getObject',
              Parameters: { Bucket: 'map-items', Key: 'gone.json' },
            },
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'P',
              States: { P: { Type: 'Pass', End: true } },
            },
            End: true,
          },
        },
      },
      {},
    );
    assert.equal(d.status, 'FAILED');
    assert.equal(d.error, 'States.ItemReaderFailed');
  });
});
