// Immutable repositories on S3 Object Lock, against a RADOS Gateway on loopback: every object but lease locks is
// written with the policy's retention from the server's clock; `lock extend` keeps what kept snapshots need locked;
// `check` names objects whose retention is missing, short or ended; `forget` and `prune` never fail half-way and
// leave locked versions until their retention ends; and an attacker with a backup identity's credentials — or the
// bucket owner's, in COMPLIANCE mode — cannot delete, overwrite or shorten anything the repository needs.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CliSandbox, only } from './support/cli.ts';
import type { S3Credentials } from './support/rgw.ts';
import { type S3World, startS3World } from './support/s3-world.ts';

const DAY = 86_400_000;

interface Version {
  key: string;
  versionId: string;
  latest: boolean;
  marker: boolean;
  mode?: string;
  until?: Date;
  written?: Date;
}

async function versions(client: S3Client, bucket: string, prefix: string): Promise<Version[]> {
  const out: Version[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await client.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: `${prefix}/`,
        ...(keyMarker ? { KeyMarker: keyMarker, VersionIdMarker: versionMarker } : {}),
      }),
    );
    for (const v of page.Versions ?? []) {
      // Objects another user wrote are not the owner's to read on the gateway: their retention stays unknown.
      const head = await client
        .send(new HeadObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }))
        .catch(() => ({ ObjectLockMode: undefined, ObjectLockRetainUntilDate: undefined }));
      out.push({
        key: v.Key!.slice(prefix.length + 1),
        versionId: v.VersionId!,
        latest: v.IsLatest === true,
        marker: false,
        ...(head.ObjectLockMode ? { mode: head.ObjectLockMode } : {}),
        ...(head.ObjectLockRetainUntilDate ? { until: head.ObjectLockRetainUntilDate } : {}),
        ...(v.LastModified ? { written: v.LastModified } : {}),
      });
    }
    for (const m of page.DeleteMarkers ?? []) {
      out.push({
        key: m.Key!.slice(prefix.length + 1),
        versionId: m.VersionId!,
        latest: m.IsLatest === true,
        marker: true,
      });
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return out;
}

/** The owner shortens the GOVERNANCE retention of a version (bypassing it), as if its time had nearly come. */
async function shortenGovernance(owner: S3Client, prefix: string, v: Version, until: Date): Promise<void> {
  await owner.send(
    new PutObjectRetentionCommand({
      Bucket: 'locked',
      Key: `${prefix}/${v.key}`,
      VersionId: v.versionId,
      BypassGovernanceRetention: true,
      Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until },
    }),
  );
}

/** The gateway's clock, from the Date header of an answer (one-second resolution). */
async function serverNow(world: S3World): Promise<Date> {
  const response = await fetch(world.rgw.endpoint);
  await response.arrayBuffer();
  return new Date(response.headers.get('date')!);
}

/** Waits, polling the gateway's own clock, until it has passed `when`. */
async function untilServerPasses(world: S3World, when: Date): Promise<void> {
  while ((await serverNow(world)).getTime() <= when.getTime()) await new Promise((r) => setTimeout(r, 200));
}

function writeTree(dir: string, seed: string, files = 30): void {
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  for (let i = 0; i < files; i++) {
    fs.writeFileSync(path.join(dir, i % 3 ? 'sub' : '', `f${i}.txt`), `${seed} file ${i}\n`.repeat(200 + i));
  }
}

function assertSameTree(a: string, b: string): void {
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(dir, e.name);
      return e.isDirectory() ? walk(full).map((p) => `${e.name}/${p}`) : [e.name];
    });
  const files = walk(a).sort();
  assert.deepEqual(walk(b).sort(), files);
  for (const f of files)
    assert.ok(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))), f);
}

describe('immutable repositories on S3 Object Lock', () => {
  let world: S3World;
  const sandboxes: CliSandbox[] = [];
  before(async () => {
    world = await startS3World();
    await world.bucket('locked', { objectLock: true });
    await world.bucket('unlocked');
  });
  after(async () => {
    for (const sb of sandboxes) sb.cleanup();
    await world?.rgw.stop();
  });

  function sandbox(bucket: string, credentials?: S3Credentials) {
    const sb = new CliSandbox('sv-lock-');
    sandboxes.push(sb);
    const repo = world.repository(bucket, credentials);
    const run = (args: string[], code = 0, env: NodeJS.ProcessEnv = {}) =>
      sb.ok(args, code, { ...repo.env, ...env });
    return { sb, run, ...repo };
  }

  it('refuses a bucket without Object Lock, a period above the maximum and half a policy, saying why', () => {
    const { run } = sandbox('unlocked');
    assert.match(
      run(['init', '--lock-mode', 'compliance', '--lock-period', '30d'], 2).stderr,
      /has no Object Lock/,
    );
    assert.match(
      run(['init', '--lock-mode', 'compliance', '--lock-period', '10y'], 2).stderr,
      /longer than the maximum of 1y/,
    );
    assert.match(run(['init', '--lock-mode', 'compliance'], 2).stderr, /go together/);
    assert.match(
      run(['init', '--lock-mode', 'forever', '--lock-period', '1d'], 2).stderr,
      /governance or compliance/,
    );
    const local = new CliSandbox('sv-lock-local-');
    sandboxes.push(local);
    assert.match(
      local.ok(['init', '--lock-mode', 'governance', '--lock-period', '1d'], 2).stderr,
      /s3: location/,
    );
  });

  it('writes every object but lease locks with the policy, retention counted from the server clock', async () => {
    const { sb, run, prefix } = sandbox('locked');
    const data = sb.path('data');
    writeTree(data, 'a');
    const before = await serverNow(world);
    run(['init', '--lock-mode', 'compliance', '--lock-period', '2d', '--json']);
    run(['backup', data]);
    const after = await serverNow(world);
    const all = await versions(world.client(), 'locked', prefix);
    const objects = all.filter((v) => !v.marker && !v.key.startsWith('locks/'));
    assert.ok(
      objects.some((v) => v.key.startsWith('data/')) && objects.some((v) => v.key.startsWith('chain/')),
    );
    for (const v of objects) {
      assert.equal(v.mode, 'COMPLIANCE', v.key);
      const until = v.until!.getTime();
      assert.ok(
        until >= before.getTime() + 2 * DAY - 2000 && until <= after.getTime() + 2 * DAY + 2000,
        `${v.key}: ${v.until?.toISOString()}`,
      );
    }
    const locks = all.filter((v) => !v.marker && v.key.startsWith('locks/'));
    assert.ok(locks.length > 0 && locks.every((v) => v.mode === undefined), 'lease locks stay removable');
    const status = run(['lock', 'status', '--json']);
    assert.equal(only(status.messages, 'lock_status')[0]!.mode, 'compliance');
  });

  it('lock extend renews what kept snapshots need; check names short, ended and missing retention', async () => {
    const { sb, run, prefix } = sandbox('locked');
    const data = sb.path('data');
    writeTree(data, 'a');
    run(['init', '--lock-mode', 'governance', '--lock-period', '1d']);
    run(['backup', data]);
    const owner = world.client();
    const objects = (await versions(owner, 'locked', prefix)).filter((v) => !v.marker && v.mode);
    const pack = objects.find((v) => v.key.startsWith('data/'))!;
    const snapshot = objects.find((v) => v.key.startsWith('snapshots/'))!;
    // The owner may shorten GOVERNANCE retention (bypass): as if the objects were near the end of their period.
    const soon = new Date((await serverNow(world)).getTime() + 3_600_000);
    for (const v of [pack, snapshot]) {
      await shortenGovernance(owner, prefix, v, soon);
    }
    const check = run(['check', '--json'], 1);
    const errors = only(check.messages, 'error').map((m) => JSON.stringify(m));
    for (const v of [pack, snapshot]) {
      assert.ok(
        errors.some((e) => e.includes(v.key.split('/').pop()!) && /shorter than the policy/.test(e)),
        check.stdout,
      );
    }
    const dry = only(run(['lock', 'extend', '--dry-run', '--json']).messages, 'summary')[0]!;
    assert.equal(dry.objects_extended, 2);
    const extend = only(run(['lock', 'extend', '--json']).messages, 'summary')[0]!;
    assert.equal(extend.objects_extended, 2);
    const after = await versions(owner, 'locked', prefix);
    for (const v of [pack, snapshot]) {
      const now = after.find((a) => a.versionId === v.versionId)!;
      assert.ok(
        now.until!.getTime() > soon.getTime() + DAY / 2,
        `${v.key} extended to ${now.until?.toISOString()}`,
      );
    }
    run(['check']);
    assert.equal(
      only(run(['lock', 'extend', '--json']).messages, 'summary')[0]!.objects_extended,
      0,
      'nothing due',
    );
  });

  it('forget and prune never fail half-way: removed objects stay locked, hidden, until their retention ends', async () => {
    const { sb, run, prefix } = sandbox('locked');
    const data = sb.path('data');
    run(['init', '--lock-mode', 'governance', '--lock-period', '1d']);
    for (const seed of ['a', 'b', 'c']) {
      fs.rmSync(data, { recursive: true, force: true });
      writeTree(data, seed);
      run(['backup', data]);
    }
    run(['forget', '--keep-last', '1']);
    run(['check']);
    const pruned = only(run(['prune', '--max-unused', '0', '--json']).messages, 'summary')[0]!;
    assert.ok((pruned.packs_deleted as number) > 0, JSON.stringify(pruned));
    assert.ok((pruned.versions_retained as number) > 0, 'the removed objects are still locked');
    assert.ok(Date.parse(pruned.versions_retained_until as string) > Date.now() + DAY / 2);
    run(['check', '--read-data']);
    const restored = sb.path('restored');
    run(['restore', 'latest', '--target', restored]);
    assertSameTree(data, path.join(restored, data));
    // The hidden versions are still there, locked: nothing was lost before its time.
    const owner = world.client();
    const hidden = (await versions(owner, 'locked', prefix)).filter((v) => !v.latest && !v.marker && v.mode);
    assert.ok(hidden.length > 0);
    // As if their time had come: the owner shortens them (GOVERNANCE, bypass) and waits for the gateway's clock.
    const soon = new Date((await serverNow(world)).getTime() + 2000);
    for (const v of hidden) {
      await shortenGovernance(owner, prefix, v, soon);
    }
    await untilServerPasses(world, soon);
    const later = only(run(['prune', '--json']).messages, 'summary')[0]!;
    assert.ok((later.versions_deleted as number) >= hidden.length, JSON.stringify(later));
    assert.equal(later.versions_retained, 0);
    const left = await versions(owner, 'locked', prefix);
    assert.deepEqual(
      left.filter((v) => !v.latest && !v.key.startsWith('locks/')).map((v) => v.key),
      [],
      'no hidden versions left',
    );
    run(['check', '--read-data']);
  });

  it('a removed object written again stays removed, and an object hidden behind a delete marker is named', async () => {
    const { sb, run, prefix } = sandbox('locked');
    const data = sb.path('data');
    run(['init', '--lock-mode', 'governance', '--lock-period', '1d']);
    writeTree(data, 'one');
    fs.writeFileSync(path.join(data, 'x.bin'), 'only in the first snapshot\n'.repeat(5000));
    run(['backup', data]);
    fs.rmSync(path.join(data, 'x.bin'));
    run(['backup', data]);
    run(['forget', '--keep-last', '1']);
    run(['prune', '--max-unused', '0']);
    const owner = world.client();
    const removed = (await versions(owner, 'locked', prefix)).filter(
      (v) => v.marker && v.latest && /^(index|data)\//.test(v.key),
    );
    assert.ok(removed.length > 0, 'prune removed index files or packs');
    // Someone writes over the removed names: the objects must not come back.
    for (const v of removed) {
      await owner.send(
        new PutObjectCommand({ Bucket: 'locked', Key: `${prefix}/${v.key}`, Body: Buffer.from('junk') }),
      );
    }
    fs.writeFileSync(path.join(data, 'x.bin'), 'only in the first snapshot\n'.repeat(5000));
    const backup = only(run(['backup', data, '--json']).messages, 'summary')[0]!;
    assert.ok(
      (backup.data_added as number) > 0,
      'the file is stored again, not taken from a resurrected index',
    );
    const restored = sb.path('restored');
    run(['restore', 'latest', '--target', restored]);
    assertSameTree(data, path.join(restored, data));
    const check = run(['check', '--json'], 1);
    const tampered = only(check.messages, 'error').filter((m) => /written again/.test(JSON.stringify(m)));
    assert.equal(tampered.length, removed.length, check.stdout);
    // A delete marker on a kept snapshot: named by check, and prune refuses to decide what is unused.
    const snapshot = (await versions(owner, 'locked', prefix)).find(
      (v) => v.latest && v.key.startsWith('snapshots/'),
    )!;
    await owner.send(new DeleteObjectCommand({ Bucket: 'locked', Key: `${prefix}/${snapshot.key}` }));
    const hidden = run(['check', '--json'], 1);
    assert.ok(
      only(hidden.messages, 'error').some((m) => JSON.stringify(m).includes(snapshot.key.split('/')[1]!)),
      hidden.stdout,
    );
    const refused = run(['prune'], 1);
    assert.match(refused.stderr, /prune does not run while snapshot/);
    // Chain entries are never removed: a marker on one is tampering, and the entry is still read.
    const entry = (await versions(owner, 'locked', prefix)).find(
      (v) => v.latest && v.key.startsWith('chain/'),
    )!;
    await owner.send(new DeleteObjectCommand({ Bucket: 'locked', Key: `${prefix}/${entry.key}` }));
    const marked = run(['check', '--json'], 1);
    assert.ok(
      only(marked.messages, 'error').some(
        (m) => JSON.stringify(m).includes(entry.key) && /delete marker/.test(JSON.stringify(m)),
      ),
      marked.stdout,
    );
  });

  it('a backup identity cannot delete, overwrite or shorten; nor can the owner in COMPLIANCE mode; the snapshot restores', async () => {
    const backupUser = await world.rgw.createUser('backup-identity');
    const owner = world.client();
    const { sb, run, prefix, env: ownerEnv } = sandbox('locked');
    const data = sb.path('data');
    writeTree(data, 'before the attack');
    run(['init', '--lock-mode', 'compliance', '--lock-period', '1d']);
    run(['backup', data]);
    const arn = (p: string) => `arn:aws:s3:::locked/${prefix}/${p}`;
    await owner.send(
      new PutBucketPolicyCommand({
        Bucket: 'locked',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'BackupIdentityReadsAndWrites',
              Effect: 'Allow',
              Principal: { AWS: ['arn:aws:iam:::user/backup-identity'] },
              Action: [
                's3:ListBucket',
                's3:ListBucketVersions',
                's3:GetBucketVersioning',
                's3:GetBucketObjectLockConfiguration',
                's3:GetObject',
                's3:GetObjectVersion',
                's3:GetObjectRetention',
                's3:PutObject',
              ],
              Resource: ['arn:aws:s3:::locked', 'arn:aws:s3:::locked/*'],
            },
            {
              Sid: 'BackupIdentityRemovesItsLeaseLocks',
              Effect: 'Allow',
              Principal: { AWS: ['arn:aws:iam:::user/backup-identity'] },
              Action: ['s3:DeleteObject'],
              Resource: [arn('locks/*')],
            },
            {
              Sid: 'BackupIdentityNeverDeletesOrShortens',
              Effect: 'Deny',
              Principal: { AWS: ['arn:aws:iam:::user/backup-identity'] },
              Action: [
                's3:DeleteObjectVersion',
                's3:PutObjectRetention',
                's3:BypassGovernanceRetention',
                's3:PutObjectAcl',
              ],
              Resource: ['arn:aws:s3:::locked/*'],
            },
            {
              Sid: 'BackupIdentityDeletesNothingButLeaseLocks',
              Effect: 'Deny',
              Principal: { AWS: ['arn:aws:iam:::user/backup-identity'] },
              Action: ['s3:DeleteObject'],
              Resource: [
                'config',
                'keys/*',
                'data/*',
                'index/*',
                'snapshots/*',
                'chain/*',
                'tombstones/*',
              ].map(arn),
            },
          ],
        }),
      }),
    );
    const asBackup = {
      AWS_ACCESS_KEY_ID: backupUser.accessKeyId,
      AWS_SECRET_ACCESS_KEY: backupUser.secretAccessKey,
    };
    // The backup identity backs up (its lease lock comes and goes) …
    fs.writeFileSync(path.join(data, 'later.txt'), 'written by the backup identity\n');
    run(['backup', data], 0, asBackup);
    fs.rmSync(path.join(data, 'later.txt'));
    const first = only(run(['snapshots', '--json'], 0, asBackup).messages, 'snapshot').at(0)!;
    // … and, stolen by an attacker, can neither delete, nor overwrite, nor shorten anything the repository needs.
    const attacker = world.client(backupUser);
    const targets = (await versions(owner, 'locked', prefix)).filter((v) => !v.marker && v.mode && v.latest);
    assert.ok(targets.length >= 8);
    const denied = async (what: string, attempt: () => Promise<unknown>) =>
      assert.rejects(attempt, (e: Error) => /AccessDenied|Forbidden/.test(`${e.name} ${e.message}`), what);
    for (const v of targets) {
      const Key = `${prefix}/${v.key}`;
      await denied(`delete ${v.key}`, () =>
        attacker.send(new DeleteObjectCommand({ Bucket: 'locked', Key })),
      );
      await denied(`delete version of ${v.key}`, () =>
        attacker.send(new DeleteObjectCommand({ Bucket: 'locked', Key, VersionId: v.versionId })),
      );
      await denied(`shorten ${v.key}`, () =>
        attacker.send(
          new PutObjectRetentionCommand({
            Bucket: 'locked',
            Key,
            VersionId: v.versionId,
            Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 60_000) },
          }),
        ),
      );
      // Writing garbage over it makes a new version at most; the first one is what stepvault reads.
      await attacker.send(new PutObjectCommand({ Bucket: 'locked', Key, Body: Buffer.from('ransom note') }));
    }
    // The owner, in COMPLIANCE mode, cannot delete a version or shorten its retention either.
    for (const v of targets.slice(0, 5)) {
      const Key = `${prefix}/${v.key}`;
      await denied(`owner deletes version of ${v.key}`, () =>
        owner.send(
          new DeleteObjectCommand({
            Bucket: 'locked',
            Key,
            VersionId: v.versionId,
            BypassGovernanceRetention: true,
          }),
        ),
      );
      await denied(`owner shortens ${v.key}`, () =>
        owner.send(
          new PutObjectRetentionCommand({
            Bucket: 'locked',
            Key,
            VersionId: v.versionId,
            BypassGovernanceRetention: true,
            Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 60_000) },
          }),
        ),
      );
    }
    const after = await versions(owner, 'locked', prefix);
    for (const v of targets) {
      const kept = after.find((a) => a.versionId === v.versionId);
      assert.ok(
        kept && kept.mode === 'COMPLIANCE' && kept.until!.getTime() === v.until!.getTime(),
        `${v.key} survives`,
      );
    }
    // The snapshot taken before the attack restores identically, and check names every overwritten object.
    const restored = sb.path('restored');
    run(['restore', first.id as string, '--target', restored], 0, asBackup);
    assertSameTree(data, path.join(restored, data));
    const check = run(['check', '--read-data', '--json'], 1, asBackup);
    const overwritten = only(check.messages, 'error').filter((m) => /written again/.test(JSON.stringify(m)));
    assert.equal(overwritten.length, targets.filter((t) => !t.key.startsWith('locks/')).length, check.stdout);
    void ownerEnv;
  });
});
