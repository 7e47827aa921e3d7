// Test support: a repository's objects as an attacker with write access to the storage sees them — listed, read,
// written and deleted without stepvault's keys or checks. One interface over a local directory and an S3 bucket
// prefix, so tamper tests run against both.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

export type RawType = 'config' | 'keys' | 'data' | 'index' | 'snapshots' | 'locks' | 'tombstones' | 'chain';

export interface RawStore {
  readonly label: string;
  list(type: RawType): Promise<string[]>;
  get(type: RawType, name: string): Promise<Buffer>;
  put(type: RawType, name: string, bytes: Buffer): Promise<void>;
  delete(type: RawType, name: string): Promise<void>;
}

/** The relative path of an object in the repository's layout (the same on disk and under a bucket prefix). */
export function objectPath(type: RawType, name: string): string {
  if (type === 'config') return 'config';
  if (type === 'data') return `data/${name.slice(0, 2)}/${name}`;
  return `${type}/${name}`;
}

export function localRawStore(root: string): RawStore {
  return {
    label: 'local',
    async list(type) {
      if (type === 'config') return fs.existsSync(path.join(root, 'config')) ? ['config'] : [];
      const dirs = type === 'data' ? fs.readdirSync(path.join(root, 'data')).map((d) => `data/${d}`) : [type];
      return dirs.flatMap((d) =>
        fs.existsSync(path.join(root, d)) ? fs.readdirSync(path.join(root, d)) : [],
      );
    },
    async get(type, name) {
      return fs.readFileSync(path.join(root, objectPath(type, name)));
    },
    async put(type, name, bytes) {
      const file = path.join(root, objectPath(type, name));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
    },
    async delete(type, name) {
      fs.rmSync(path.join(root, objectPath(type, name)));
    },
  };
}

/** An S3 bucket prefix seen through plain S3 calls with the given credentials (current versions only). */
export function s3RawStore(client: S3Client, bucket: string, prefix: string): RawStore {
  const key = (type: RawType, name: string) => `${prefix}/${objectPath(type, name)}`;
  return {
    label: 's3',
    async list(type) {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: type === 'config' ? `${prefix}/config` : `${prefix}/${type}/`,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const o of page.Contents ?? []) names.push(o.Key!.slice(o.Key!.lastIndexOf('/') + 1));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return names;
    },
    async get(type, name) {
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(type, name) }));
      return Buffer.from(await answer.Body!.transformToByteArray());
    },
    async put(type, name, bytes) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key(type, name), Body: bytes }));
    },
    async delete(type, name) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key(type, name) }));
    },
  };
}
