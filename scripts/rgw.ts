// A Ceph RADOS Gateway (S3) on loopback for people and the benchmark, over test/support/rgw.ts:
//   node scripts/rgw.ts start [--dir D] [--memstore-gib N]   start detached; prints shell `export` lines
//   node scripts/rgw.ts status [--dir D]                     daemons, their memory, whether S3 answers
//   node scripts/rgw.ts stop [--dir D]                       kill the daemons, remove the directory
//   node scripts/rgw.ts bucket NAME [--object-lock] [--dir D] create a bucket (the owner's)
// The output of `start` can be evaluated: eval "$(npx node scripts/rgw.ts start)".

import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { RGW_REGION, rgwStatus, startRgw, stopRgw } from '../test/support/rgw.ts';

const USAGE = `usage: node scripts/rgw.ts start|status|stop [--dir D] [--memstore-gib N]
       node scripts/rgw.ts bucket NAME [--object-lock] [--dir D]

  --dir D            the cluster's directory (default: ${path.join(os.tmpdir(), 'stepvault-rgw')})
  --memstore-gib N   room for objects in the OSD's RAM store, in GiB (start only; default 1)`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      'memstore-gib': { type: 'string' },
      'object-lock': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  const arity = command === 'bucket' ? 2 : 1;
  if (
    values.help ||
    positionals.length !== arity ||
    !['start', 'status', 'stop', 'bucket'].includes(command!)
  ) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const dir = path.resolve(values.dir ?? path.join(os.tmpdir(), 'stepvault-rgw'));
  if (command === 'start') {
    const gib = Number(values['memstore-gib'] ?? '1');
    if (!(gib > 0)) {
      console.error(`--memstore-gib must be a positive number of GiB (got ${values['memstore-gib']})`);
      return 2;
    }
    const started = performance.now();
    const rgw = await startRgw({ dir, memstoreBytes: Math.round(gib * 1024 ** 3), detached: true });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `# RGW test cluster in ${rgw.dir}, started in ${seconds} s; stop: node scripts/rgw.ts stop --dir ${rgw.dir}`,
    );
    console.log(`# endpoint ${rgw.endpoint} (path-style addressing)`);
    console.log(`export AWS_ENDPOINT_URL=${rgw.endpoint}`);
    console.log(`export AWS_ACCESS_KEY_ID=${rgw.owner.accessKeyId}`);
    console.log(`export AWS_SECRET_ACCESS_KEY=${rgw.owner.secretAccessKey}`);
    console.log(`export AWS_REGION=${rgw.region}`);
    return 0;
  }
  if (command === 'stop') {
    await stopRgw(dir);
    console.log(`stopped the RGW test cluster in ${dir}`);
    return 0;
  }
  const status = await rgwStatus(dir);
  if (command === 'bucket') {
    if (!status?.answering) {
      console.error(`no RGW test cluster answers in ${dir}: start one first`);
      return 1;
    }
    const client = new S3Client({
      endpoint: status.endpoint,
      region: RGW_REGION,
      forcePathStyle: true,
      credentials: status.owner,
    });
    const name = positionals[1]!;
    try {
      await client.send(
        new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: values['object-lock'] === true }),
      );
    } catch (e) {
      // the SDK names a refusal it cannot parse "UnknownError": the gateway's code is in the response
      const err = e as { name?: string; message?: string; Code?: string };
      const code = err.Code ?? err.name ?? 'error';
      console.error(
        `cannot create bucket ${name}: ${code}${err.message && err.message !== code ? ` (${err.message})` : ''}` +
          (code === 'InvalidBucketName'
            ? '\n  a bucket name has 3-63 characters: lowercase letters, digits, dots and hyphens'
            : ''),
      );
      return 1;
    } finally {
      client.destroy();
    }
    console.log(`created bucket ${name}${values['object-lock'] ? ' with Object Lock' : ''}`);
    return 0;
  }
  if (!status) {
    console.log(`no RGW test cluster in ${dir}`);
    return 1;
  }
  console.log(`endpoint ${status.endpoint}: ${status.answering ? 'answering' : 'not answering'}`);
  console.log(`health: ${status.health}`);
  for (const name of ['mon', 'osd', 'rgw'] as const) {
    const rss = status.running[name];
    console.log(
      `${name}: ${rss === undefined ? 'not running' : `running, RSS ${(rss / 1024 ** 2).toFixed(0)} MiB`}`,
    );
  }
  return status.answering && Object.keys(status.running).length === 3 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  },
);
