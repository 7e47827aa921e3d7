// Copies off-site, end to end, against a real S3 server (a Ceph RADOS Gateway on loopback) with two users, each
// an account of its own with its own bucket: `stepvault copy` from a local repository into S3 (account 1), then
// from there into the other account, each side with its own credentials; a restore from the last copy compared
// byte for byte; `check --read-data` of each copy; a second copy copying nothing; a copy killed mid-way resumed
// without sending again what had arrived; and a plan whose `copyTo` is an S3 repository configured with its
// credentials as secret references.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Secret } from '../src/common/secret.ts';
import { loadMasterIndex } from '../src/repository/index/index-store.ts';
import { Repository } from '../src/repository/repository.ts';
import { listSnapshots } from '../src/repository/snapshot/snapshot-store.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { openLocation } from '../src/storage/location-registry.ts';
import { type CliResult, CliSandbox } from './support/cli.ts';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.ts';
import { type Rgw, type S3Credentials, startRgw } from './support/rgw.ts';
import { FAST_KDF } from './support/small-repository.ts';
import { describeTree } from './support/tree-fixture.ts';

const PASSWORD = 'correct horse battery staple'; // CliSandbox's password file
/** Small packs, so a copy of a few MiB stores many and can be killed between them. */
const PACK_SIZE = 256 * 1024;

function summaryOf(r: CliResult): Record<string, number> {
  const summary = r.messages.find((m) => m.message_type === 'summary');
  assert.ok(summary, `a summary in ${r.stdout}`);
  return summary as Record<string, number>;
}

/** What differs between two described trees, by path and field (a description holds whole contents: too long to show). */
function differences(a: Map<string, unknown>, b: Map<string, unknown>): string[] {
  const paths = new Set([...a.keys(), ...b.keys()]);
  const differing: string[] = [];
  for (const p of paths) {
    const x = a.get(p) as Record<string, unknown> | undefined;
    const y = b.get(p) as Record<string, unknown> | undefined;
    if (!x || !y) differing.push(`${p}: ${x ? 'extra' : 'missing'}`);
    else {
      const fields = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((f) => {
        try {
          assert.deepEqual(x[f], y[f]);
          return false;
        } catch {
          return true;
        }
      });
      if (fields.length > 0) differing.push(`${p}: ${fields.join(', ')}`);
    }
  }
  return differing;
}

function credentialsEnv(c: S3Credentials, region: string): NodeJS.ProcessEnv {
  return { AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_REGION: region };
}

function fromCredentialsEnv(c: S3Credentials): NodeJS.ProcessEnv {
  return {
    STEPVAULT_FROM_AWS_ACCESS_KEY_ID: c.accessKeyId,
    STEPVAULT_FROM_AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
  };
}

describe('copy between accounts on S3', () => {
  let rgw: Rgw;
  let offsite: S3Credentials;
  let sb: CliSandbox;
  let data: string;
  let primary: string;
  let vault: string;

  /** Opens an S3 repository in this process with the given account's credentials. */
  async function openS3(location: string, who: S3Credentials, init = false): Promise<Repository> {
    const backend = await openLocation(location, {
      accessKeyId: new Secret(who.accessKeyId),
      secretAccessKey: new Secret(who.secretAccessKey),
      region: rgw.region,
    });
    return init
      ? Repository.init(backend, PASSWORD, { kdf: FAST_KDF, packSize: PACK_SIZE })
      : Repository.open(backend, PASSWORD);
  }

  async function listPacks(who: S3Credentials, bucket: string, prefix: string): Promise<Map<string, number>> {
    const client = new S3Client({
      endpoint: rgw.endpoint,
      region: rgw.region,
      forcePathStyle: true,
      credentials: who,
    });
    const packs = new Map<string, number>();
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/data/`, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) packs.set(path.basename(o.Key!), o.Size!);
      token = page.NextContinuationToken;
    } while (token);
    client.destroy();
    return packs;
  }

  before(async () => {
    rgw = await startRgw({ memstoreBytes: 512 * 1024 * 1024 });
    offsite = await rgw.createUser('offsite');
    for (const [bucket, who] of [
      ['primary', rgw.owner],
      ['vault', offsite],
    ] as const) {
      const client = new S3Client({
        endpoint: rgw.endpoint,
        region: rgw.region,
        forcePathStyle: true,
        credentials: who,
      });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      client.destroy();
    }
    sb = new CliSandbox('sv-s3-copy-');
    await Repository.init(new LocalBackend(sb.repo), PASSWORD, { kdf: FAST_KDF });
    data = sb.path('data');
    fs.mkdirSync(path.join(data, 'docs', 'deep'), { recursive: true });
    for (let i = 0; i < 4; i++)
      fs.writeFileSync(path.join(data, `random-${i}.bin`), randomBytes(1536 * 1024));
    for (let i = 0; i < 20; i++)
      fs.writeFileSync(path.join(data, 'docs', `${i}.txt`), `line ${i} of a document\n`.repeat(500 + 90 * i));
    fs.writeFileSync(path.join(data, 'docs', 'deep', 'empty'), '');
    fs.symlinkSync('../0.txt', path.join(data, 'docs', 'deep', 'link'));
    sb.ok(['backup', data, '-q']);
    fs.writeFileSync(path.join(data, 'random-4.bin'), randomBytes(1024 * 1024));
    sb.ok(['backup', data, '-q']);
    primary = `s3:${rgw.endpoint}/primary/repo`;
    vault = `s3:${rgw.endpoint}/vault/repo`;
    await openS3(primary, rgw.owner, true);
    await openS3(vault, offsite, true);
  });
  after(async () => {
    await rgw?.stop();
    if (sb) fs.rmSync(sb.dir, { recursive: true, force: true });
  });

  it('copies local -> S3 -> S3 in another account, each side with its own credentials, and restores byte for byte', () => {
    const toPrimary = summaryOf(
      sb.ok(['copy', '--json', '--from-repo', sb.repo], 0, {
        ...credentialsEnv(rgw.owner, rgw.region),
        STEPVAULT_REPOSITORY: primary,
        STEPVAULT_FROM_PASSWORD_FILE: sb.passwordFile,
      }),
    );
    assert.equal(toPrimary.snapshots_copied, 2);
    assert.equal(toPrimary.verified_snapshots, 2);
    assert.ok(toPrimary.verified_packs! > 0 && toPrimary.verified_sampled_blobs! > 0);
    assert.ok(toPrimary.bytes_uploaded! >= toPrimary.data_added_packed!, 'every pack was sent');

    // The second account cannot read the first's bucket: with only its own credentials the copy fails.
    const vaultEnv = {
      ...credentialsEnv(offsite, rgw.region),
      STEPVAULT_REPOSITORY: vault,
      STEPVAULT_FROM_PASSWORD_FILE: sb.passwordFile,
    };
    const denied = sb.run(['copy', '--from-repo', primary], vaultEnv);
    assert.notEqual(denied.code, 0, denied.stdout);
    assert.match(denied.stderr, /denied|forbidden|403/i);
    const toVault = summaryOf(
      sb.ok(['copy', '--json', '--from-repo', primary], 0, { ...vaultEnv, ...fromCredentialsEnv(rgw.owner) }),
    );
    assert.equal(toVault.snapshots_copied, 2);
    assert.equal(toVault.verified_snapshots, 2);

    // The last copy restores exactly as the original snapshot does (times to the microsecond included), and its
    // files hold the bytes backed up.
    const fromCopy = sb.path('restored-copy');
    sb.ok(['restore', `latest:${data}`, '--target', fromCopy, '-q'], 0, vaultEnv);
    const fromOriginal = sb.path('restored-original');
    sb.ok(['restore', `latest:${data}`, '--target', fromOriginal, '-q']);
    assert.deepEqual(differences(describeTree(fromCopy), describeTree(fromOriginal)), []);
    assert.deepEqual(
      differences(describeTree(fromCopy), describeTree(data)).filter(
        (d) => d !== `${d.split(':')[0]}: mtimeUs`,
      ),
      [],
    );

    sb.ok(['check', '--read-data'], 0, {
      ...credentialsEnv(rgw.owner, rgw.region),
      STEPVAULT_REPOSITORY: primary,
    });
    sb.ok(['check', '--read-data'], 0, vaultEnv);

    const again = summaryOf(
      sb.ok(['copy', '--json', '--from-repo', primary], 0, { ...vaultEnv, ...fromCredentialsEnv(rgw.owner) }),
    );
    assert.equal(again.snapshots_copied, 0);
    assert.equal(again.snapshots_skipped, 2);
    assert.equal(again.data_added, 0);
    assert.equal(again.packs_written, 0);
  });

  it('resumes a copy killed mid-way without sending again what had arrived', async (t) => {
    const prefix = 'resume';
    await openS3(`s3:${rgw.endpoint}/vault/${prefix}`, offsite, true);
    // The destination through a counting proxy (no faults): the kill point is the run's own 5th pack upload.
    let packPuts = 0;
    let kill: (() => void) | undefined;
    const proxy: FaultProxy = await startFaultProxy({
      upstream: rgw.endpoint,
      seed: 'resume',
      faultsEnabled: false,
      onRequest: (e) => {
        if (e.method === 'PUT' && e.path.startsWith(`/vault/${prefix}/data/`) && ++packPuts === 5) kill?.();
      },
    });
    try {
      const env = {
        ...credentialsEnv(offsite, rgw.region),
        STEPVAULT_REPOSITORY: `s3:${proxy.endpoint}/vault/${prefix}`,
        STEPVAULT_FROM_PASSWORD_FILE: sb.passwordFile,
      };
      const child = sb.start(['copy', '--json', '--from-repo', sb.repo], env);
      child.stdout.resume();
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      kill = () => child.kill('SIGKILL');
      assert.equal(await exited, null, 'the copy was killed');
      // uploads the copy had sent whole are carried out before the store is looked at
      await proxy.settled();
      const arrived = await listPacks(offsite, 'vault', prefix);
      assert.ok(arrived.size > 0, 'some packs arrived before the kill');
      const destination = await openS3(`s3:${rgw.endpoint}/vault/${prefix}`, offsite);
      assert.equal((await listSnapshots(destination)).snapshots.length, 0, 'nothing was committed');

      const resumed = summaryOf(await sb.runAsync(['copy', '--json', '--from-repo', sb.repo], env));
      assert.equal(resumed.snapshots_copied, 2);
      assert.equal(resumed.adopted_packs, arrived.size, 'every pack that arrived is adopted');
      const final = await listPacks(offsite, 'vault', prefix);
      let arrivedBytes = 0;
      for (const size of arrived.values()) arrivedBytes += size;
      let newBytes = 0;
      for (const [name, size] of final) if (!arrived.has(name)) newBytes += size;
      // What the second run sent: the new packs and small objects (index, snapshots, chain, locks), nothing of
      // what had arrived (its blobs are indexed once, in the packs that arrived).
      t.diagnostic(
        `killed at pack upload 5: ${arrived.size} packs (${arrivedBytes} bytes) had arrived; the resumed run sent ${resumed.bytes_uploaded} bytes, ${newBytes} of them in ${final.size - arrived.size} new packs`,
      );
      assert.ok(resumed.bytes_uploaded! >= newBytes);
      assert.ok(
        resumed.bytes_uploaded! < newBytes + 256 * 1024,
        'only new packs and small objects were sent',
      );
      const index = await loadMasterIndex(await openS3(`s3:${rgw.endpoint}/vault/${prefix}`, offsite));
      const ids: string[] = [];
      for (const pack of index.packs())
        for (const e of pack.entries) if (e.type === 'data') ids.push(e.id.toString('hex'));
      assert.equal(new Set(ids).size, ids.length, 'no data blob is stored twice');
      sb.ok(['check', '--read-data'], 0, {
        ...env,
        STEPVAULT_REPOSITORY: `s3:${rgw.endpoint}/vault/${prefix}`,
      });
    } finally {
      await proxy.stop();
    }
  });

  it('runs a plan whose copyTo is an S3 repository with its credentials as secret references', async () => {
    const dir = sb.path('plan');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'password'), `${PASSWORD}\n`);
    const main = path.join(dir, 'main');
    await Repository.init(new LocalBackend(main), PASSWORD, { kdf: FAST_KDF });
    const offsiteLocation = `s3:${rgw.endpoint}/vault/plan`;
    await openS3(offsiteLocation, offsite, true);
    fs.writeFileSync(
      path.join(dir, 'stepvault.yaml'),
      `version: 1
repositories:
  main: { location: ./main, password: { file: ./password } }
  offsite:
    location: ${offsiteLocation}
    password: { file: ./password }
    options:
      region: ${rgw.region}
      accessKeyId: { env: OFFSITE_ACCESS_KEY_ID }
      secretAccessKey: { env: OFFSITE_SECRET_ACCESS_KEY }
sources:
  data: { type: files, paths: [${data}] }
plans:
  docs:
    source: data
    repository: main
    rules:
      - name: nightly
        schedule: cron(0 3 * * ? *)
        copyTo: [{ repository: offsite }]
server:
  stateDir: ./state
`,
    );
    // No AWS_* credentials in the environment: the offsite repository opens with its configured ones only.
    const r = await sb.runAsync(['plan', 'run', 'docs', '--json'], {
      STEPVAULT_CONFIG: path.join(dir, 'stepvault.yaml'),
      STEPVAULT_REPOSITORY: undefined,
      OFFSITE_ACCESS_KEY_ID: offsite.accessKeyId,
      OFFSITE_SECRET_ACCESS_KEY: offsite.secretAccessKey,
    });
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    const made = (await listSnapshots(await Repository.open(new LocalBackend(main), PASSWORD))).snapshots;
    assert.equal(made.length, 1);
    const copies = (await listSnapshots(await openS3(offsiteLocation, offsite))).snapshots;
    assert.deepEqual(
      copies.map((c) => c.original),
      [made[0]!.id],
    );
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(offsite.secretAccessKey));
  });
});
