// The S3 server of the s3 suite: one Ceph RADOS Gateway on loopback (test/support/rgw.ts) whose RAM store holds
// both tools' repositories of one round; a bucket per tool and round, created and afterwards emptied and removed
// through the AWS SDK, the deleted objects' space collected at once (`radosgw-admin gc process`) before the next
// round; the daemons' CPU time and peak memory, sampled for the report.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type _Object,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { type Rgw, type RgwDaemonPids, startRgw } from '../test/support/rgw.ts';
import { residentBytes } from '../test/support/rgw-processes.ts';

/** How often the daemons' memory is sampled. */
const SAMPLE_MS = 250;
const CLOCK_TICKS = 100;

export interface Gateway {
  rgw: Rgw;
  memstoreBytes: number;
  createBucket(name: string): Promise<void>;
  /** Objects in a bucket and their bytes. */
  bucketUsage(name: string): Promise<{ objects: number; bytes: number }>;
  /** Deletes every object of the bucket and the bucket, then has the gateway free their space now. */
  removeBucket(name: string): Promise<void>;
  /** User + system CPU seconds the daemons (monitor, OSD, gateway) have used so far. */
  cpuSeconds(): number;
  /** The largest resident memory seen of the OSD (which holds the objects) and of the gateway, in bytes. */
  peakMemory(): { osd: number; rgw: number };
  /** `ceph version …` of the gateway. */
  version(): Promise<string>;
  stop(): Promise<void>;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** User + system CPU seconds of a process so far (0 once it is gone). */
function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state (field 3): utime and stime are fields 14 and 15
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

export async function startGateway(memstoreBytes: number): Promise<Gateway> {
  const rgw = await startRgw({ memstoreBytes });
  const conf = path.join(rgw.dir, 'ceph.conf');
  const admin = new S3Client({
    endpoint: rgw.endpoint,
    region: rgw.region,
    forcePathStyle: true,
    credentials: rgw.owner,
  });
  const pids: RgwDaemonPids = rgw.pids;
  const peak = { osd: 0, rgw: 0 };
  const sample = (): void => {
    peak.osd = Math.max(peak.osd, residentBytes(pids.osd));
    peak.rgw = Math.max(peak.rgw, residentBytes(pids.rgw));
  };
  async function* list(bucket: string): AsyncIterable<_Object> {
    let token: string | undefined;
    do {
      const page = await admin.send(
        new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }),
      );
      yield* page.Contents ?? [];
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  sample();
  const sampler = setInterval(sample, SAMPLE_MS);
  sampler.unref();
  return {
    rgw,
    memstoreBytes,
    async createBucket(name) {
      await admin.send(new CreateBucketCommand({ Bucket: name }));
    },
    async bucketUsage(name) {
      const usage = { objects: 0, bytes: 0 };
      for await (const object of list(name)) {
        usage.objects++;
        usage.bytes += object.Size ?? 0;
      }
      return usage;
    },
    async removeBucket(name) {
      const keys: string[] = [];
      for await (const object of list(name)) keys.push(object.Key!);
      for (let i = 0; i < keys.length; i += 16) {
        await Promise.all(
          keys.slice(i, i + 16).map((key) => admin.send(new DeleteObjectCommand({ Bucket: name, Key: key }))),
        );
      }
      await admin.send(new DeleteBucketCommand({ Bucket: name }));
      await run('radosgw-admin', ['-c', conf, 'gc', 'process', '--include-all']);
    },
    cpuSeconds: () => processCpuSeconds(pids.mon) + processCpuSeconds(pids.osd) + processCpuSeconds(pids.rgw),
    peakMemory: () => {
      sample();
      return { ...peak };
    },
    version: async () => (await run('radosgw', ['--version'])).trim().replace(/ \([0-9a-f]{40}\)/, ''),
    async stop() {
      clearInterval(sampler);
      admin.destroy();
      await rgw.stop();
    },
  };
}
