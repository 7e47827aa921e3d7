// Backups and restores through a faulty S3: the stepvault CLI, run as users run it, against a Ceph RADOS Gateway
// behind the fault proxy (test/support/fault-proxy.ts) with a fixed seed and the issue's mix — 20% 503 SlowDown,
// 5% 500, 5% connection resets (half of them after the upstream executed the request), 10% of GET bodies cut
// short. A backup that makes more than 200 objects, its restore and `check --read-data` all complete, the
// restore is identical to the source, every fault the proxy injected shows as a retry in the commands' summaries,
// and nothing damaged got stored. Then GET bodies cut short or damaged on every attempt for a while: a restore
// retries, or fails the files it cannot read whole, and never writes wrong bytes.

import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { StorageFields } from '../src/cli/output/storage-summary.ts';
import { type CliResult, CliSandbox, only } from './support/cli.ts';
import {
  DEFAULT_FAULT_MIX,
  FAULT_KINDS,
  type FaultKind,
  type FaultProxy,
  type FaultProxyEvent,
  type FaultProxyOptions,
  type FaultProxyStats,
  startFaultProxy,
} from './support/fault-proxy.ts';
import { type Rgw, startRgw } from './support/rgw.ts';
import { describeTree } from './support/tree-fixture.ts';

const BUCKET = 'faults';
const KiB = 1024;
/** Small packs, so a few MiB of files make a few hundred objects. */
const PACK_SIZE = '16KiB';

/** A reproducible stream of pseudo-random bytes: AES-CTR of zeros under a key derived from `seed`. */
function pseudoRandom(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

interface TreeShape {
  random: number;
  text: number;
  big: number[];
}

/**
 * The issue's tree: 240 incompressible files of 1–40 KiB (most fill a 16 KiB pack of their own, the smaller share
 * one), 60 compressible text files, three files of 1.1–2.4 MiB (chunked, a pack per chunk): ~240 objects.
 */
const FULL: TreeShape = { random: 240, text: 60, big: [1_200_000, 1_900_000, 2_500_000] };
/** A smaller one for the tests of damaged bodies. */
const SMALL: TreeShape = { random: 48, text: 12, big: [1_200_000] };

/** Files of reproducible content in nested directories, with an empty file and a symlink. */
function makeTree(root: string, shape: TreeShape): void {
  for (let i = 0; i < shape.random; i++) {
    const dir = path.join(root, 'random', String(i % 16).padStart(2, '0'));
    fs.mkdirSync(dir, { recursive: true });
    const size = KiB + ((i * 7919) % (39 * KiB));
    fs.writeFileSync(path.join(dir, `r${i}.bin`), pseudoRandom(`random ${i}`, size));
  }
  fs.mkdirSync(path.join(root, 'text', 'deep', 'er'), { recursive: true });
  for (let i = 0; i < shape.text; i++) {
    const line = `line of file ${i}: ${pseudoRandom(`text ${i}`, 12).toString('hex')}\n`;
    const where = i % 3 === 0 ? path.join('text', 'deep', 'er') : 'text';
    fs.writeFileSync(path.join(root, where, `t${i}.txt`), line.repeat(50 + i * 40));
  }
  fs.mkdirSync(path.join(root, 'big'));
  for (const [i, size] of shape.big.entries())
    fs.writeFileSync(path.join(root, 'big', `b${i}.bin`), pseudoRandom(`big ${i}`, size));
  fs.writeFileSync(path.join(root, 'empty'), '');
  fs.symlinkSync('text/t1.txt', path.join(root, 'link'));
}

/**
 * Every entry below `root` as one line — path, type, mode, size, SHA-256 of a file's bytes, a link's target — so
 * two trees compare byte for byte and a difference prints short. (Modification times are left out: restore sets
 * them through utimes, which takes seconds as a float, and a restored time is off by a microsecond now and then.)
 */
function fingerprint(root: string): string[] {
  return [...describeTree(root)].map(([rel, d]) => {
    const digest =
      d.content === undefined ? '' : createHash('sha256').update(d.content, 'base64').digest('hex');
    return `${rel} ${d.type} ${d.mode.toString(8)} ${d.size} ${digest} ${d.target ?? ''}`.trimEnd();
  });
}

function faultSum(stats: FaultProxyStats): number {
  return FAULT_KINDS.reduce((n, kind) => n + stats.faults[kind], 0);
}

describe('backup and restore through a faulty S3 (RADOS Gateway behind the fault proxy)', () => {
  let rgw: Rgw;
  let admin: S3Client;
  const sb = new CliSandbox('sv-s3-faults-');
  const data = sb.path('data');
  const small = sb.path('small');

  before(async () => {
    rgw = await startRgw({ memstoreBytes: 512 * 1024 * 1024 });
    admin = new S3Client({
      endpoint: rgw.endpoint,
      region: rgw.region,
      forcePathStyle: true,
      credentials: rgw.owner,
    });
    await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
    makeTree(data, FULL);
    makeTree(small, SMALL);
  });
  after(async () => {
    admin?.destroy();
    await rgw?.stop();
    sb.cleanup();
  });

  /** The environment of a CLI run against `prefix` in the bucket, through `proxy`. */
  const through = (proxy: FaultProxy, prefix: string): NodeJS.ProcessEnv => ({
    STEPVAULT_REPOSITORY: `s3:${proxy.endpoint}/${BUCKET}/${prefix}`,
    AWS_ACCESS_KEY_ID: rgw.owner.accessKeyId,
    AWS_SECRET_ACCESS_KEY: rgw.owner.secretAccessKey,
    AWS_REGION: rgw.region,
  });

  /** Runs the CLI (without blocking: the proxy lives in this process) and asserts the exit code. */
  const cli = async (args: string[], env: NodeJS.ProcessEnv, code = 0): Promise<CliResult> => {
    const r = await sb.runAsync(args, env);
    assert.equal(r.code, code, `stepvault ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };

  /** Every object under `prefix`, counted by its top-level folder (`config` for the config). */
  const objectsUnder = async (prefix: string): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {};
    let token: string | undefined;
    do {
      const page = await admin.send(
        new ListObjectsV2Command({
          Bucket: BUCKET,
          Prefix: `${prefix}/`,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of page.Contents ?? []) {
        const kind = o.Key!.slice(prefix.length + 1).split('/')[0]!;
        counts[kind] = (counts[kind] ?? 0) + 1;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return counts;
  };

  it('backs up 200+ objects and restores them identically under the issue’s fault mix, every fault retried', async (t: TestContext) => {
    const started = performance.now();
    const events: FaultProxyEvent[] = [];
    /** Faults in the body of a final answer (404, 412): the client has its status all the same. */
    const inFinalAnswers: (FaultProxyEvent & { status: number })[] = [];
    const proxy = await startFaultProxy({
      upstream: rgw.endpoint,
      seed: 'stepvault s3 faults',
      faults: DEFAULT_FAULT_MIX,
      onRequest: (e) => events.push(e),
      onResponse: (e) => {
        if (e.fault !== undefined && e.status >= 400) inFinalAnswers.push(e);
      },
    });
    const env = through(proxy, 'mixed');
    const injected: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<
      FaultKind,
      number
    >;
    const totals = { requests: 0, retries: 0 };
    /**
     * Runs a command with --json and holds its summary's storage counts against the proxy's for that command.
     * Every request the CLI makes goes through the proxy and is counted by the S3 backend, so the summary's
     * requests are the proxy's requests. Each injected fault fails one attempt as the client sees it (a 503 or 500
     * answer, a reset before or during the response, a body shorter than announced), and the retrying decorator
     * retries every failed attempt (the command succeeds, so none ran out of attempts): the summary's retries are
     * the proxy's injected faults, one for one — except a reset or cut in the body of a final answer (a 412 to a
     * PUT whose earlier attempt was stored, a 404), which leaves the client the status it needs: no retry there.
     * A PUT stored upstream and reset on the way back is survived without a retry of its own either: the next
     * attempt meets the stored object (412) and the decorator reads it back and compares, which adds requests.
     */
    const counted = async (
      args: string[],
    ): Promise<{ summary: Record<string, unknown>; storage: StorageFields }> => {
      proxy.resetStats();
      events.length = 0;
      inFinalAnswers.length = 0;
      const began = performance.now();
      const r = await cli([...args, '--json'], env);
      const seconds = ((performance.now() - began) / 1000).toFixed(1);
      const summary = only(r.messages, 'summary').at(-1)!;
      const storage = summary.storage as StorageFields;
      const stats = proxy.stats();
      t.diagnostic(
        `${args[0]} (${seconds} s): ${JSON.stringify(storage)}; proxy: ${stats.requests} requests, faults ${JSON.stringify(stats.faults)}, ${inFinalAnswers.length} of them in final answers`,
      );
      assert.equal(storage.requests, stats.requests, `${args[0]}: every request counted`);
      for (const e of inFinalAnswers)
        assert.ok(
          (e.method === 'PUT' && e.status === 412) || e.status === 404,
          `${e.method} ${e.path}: ${e.status}`,
        );
      assert.equal(
        storage.retries,
        faultSum(stats) - inFinalAnswers.length,
        `${args[0]}: every injected fault retried (${inFinalAnswers.length} in final answers)`,
      );
      assert.equal(
        storage.throttled,
        stats.faults.slowDown,
        `${args[0]}: every 503 SlowDown counted as throttled`,
      );
      assert.equal(stats.upstreamErrors, 0);
      for (const kind of FAULT_KINDS) injected[kind] += stats.faults[kind];
      totals.requests += storage.requests;
      totals.retries += storage.retries;
      return { summary, storage };
    };

    try {
      proxy.resetStats();
      await cli(['init', '--pack-size', PACK_SIZE], env);
      const initStats = proxy.stats();
      t.diagnostic(`init: proxy ${initStats.requests} requests, faults ${JSON.stringify(initStats.faults)}`);

      const backup = await counted(['backup', data]);
      assert.equal(backup.summary.errors, 0);
      assert.ok(backup.storage.retries > 0);
      assert.ok(backup.storage.bytes_sent > 6 * 1024 * 1024);
      // PUTs the upstream stored but whose answer was reset: the retry met the object (412, If-None-Match) and
      // the retrying decorator read it back and found our bytes. Every one of them was read back (a GET of the
      // same key: the backup reads no pack otherwise).
      const keyOf = (e: FaultProxyEvent) => e.path.split('?')[0]!;
      const storedThenReset = new Set(
        events.filter((e) => e.method === 'PUT' && e.fault === 'resetDuringResponse').map(keyOf),
      );
      const readBack = new Set(events.filter((e) => e.method === 'GET').map(keyOf));
      t.diagnostic(`backup: ${storedThenReset.size} PUTs stored upstream and reset on the way back`);
      assert.ok(storedThenReset.size > 0);
      for (const key of storedThenReset) assert.ok(readBack.has(key), `${key} was read back`);
      const objects = await objectsUnder('mixed');
      const total = Object.values(objects).reduce((a, b) => a + b, 0);
      t.diagnostic(`objects in the bucket: ${total} ${JSON.stringify(objects)}`);
      assert.ok(total >= 200, `${total} objects`);
      assert.deepEqual(Object.keys(objects).sort(), [
        'chain',
        'config',
        'data',
        'index',
        'keys',
        'snapshots',
      ]);

      const target = sb.path('restored-mixed');
      const restore = await counted(['restore', `latest:${data}`, '--target', target]);
      assert.equal(restore.summary.errors, 0);
      assert.ok(restore.storage.retries > 0);
      assert.deepEqual(fingerprint(target), fingerprint(data), 'the restore is identical');

      const check = await counted(['check', '--read-data']);
      assert.equal(check.summary.errors, 0);
      assert.ok(check.storage.retries > 0);

      for (const kind of FAULT_KINDS.filter((k) => DEFAULT_FAULT_MIX[k] > 0))
        assert.ok(injected[kind] > 0, `${kind} was injected`);
      t.diagnostic(
        `backup, restore, check: ${totals.requests} requests, ${totals.retries} retries; injected ${JSON.stringify(injected)}`,
      );

      // Nothing damaged got stored: every object read back without faults matches its name or its MAC.
      proxy.setFaultsEnabled(false);
      proxy.resetStats();
      const clean = await cli(['check', '--read-data', '--json'], env);
      const cleanSummary = only(clean.messages, 'summary')[0]!;
      assert.equal(cleanSummary.errors, 0);
      assert.equal((cleanSummary.storage as StorageFields).retries, 0);
      assert.equal(faultSum(proxy.stats()), 0);
      t.diagnostic(`run time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      await proxy.stop();
    }
  });

  describe('bodies cut short or damaged on every attempt for a while', () => {
    const events: FaultProxyEvent[] = [];
    /** The paths of the packs that hold trees (what `ls` reads). */
    let treePacks: Set<string>;
    const keyOf = (e: { path: string }) => e.path.split('?')[0]!;
    const isPack = (p: string) => p.startsWith(`/${BUCKET}/damage/data/`);

    before(async () => {
      // A repository of its own, written without faults.
      const gets = new Set<string>();
      const clean = await startFaultProxy({
        upstream: rgw.endpoint,
        seed: 'clean',
        faults: {},
        onRequest: (e) => {
          if (e.method === 'GET') gets.add(keyOf(e));
        },
      });
      try {
        await cli(['init', '--pack-size', PACK_SIZE], through(clean, 'damage'));
        await cli(['backup', small], through(clean, 'damage'));
        gets.clear();
        await cli(['ls', 'latest'], through(clean, 'damage'));
      } finally {
        await clean.stop();
      }
      treePacks = new Set([...gets].filter(isPack));
      assert.ok(treePacks.size > 0);
    });

    /** Restores the snapshot through a proxy with these faults (with --json unless told); asserts the exit code. */
    const restoreThrough = async (
      options: Omit<FaultProxyOptions, 'upstream' | 'seed'>,
      target: string,
      code: number,
      json = true,
    ) => {
      events.length = 0;
      const proxy = await startFaultProxy({
        upstream: rgw.endpoint,
        seed: 'damage',
        faults: {},
        ...options,
        onRequest: (e) => events.push(e),
      });
      try {
        const r = await cli(
          // --no-cache: every object comes from the store, none from the client's cache of small objects.
          ['restore', `latest:${small}`, '--target', target, '--no-cache', ...(json ? ['--json'] : [])],
          through(proxy, 'damage'),
          code,
        );
        const summary = only(r.messages, 'summary')[0] ?? {};
        return { r, summary, storage: summary.storage as StorageFields, stats: proxy.stats() };
      } finally {
        await proxy.stop();
      }
    };

    it('retries every GET whose body is cut short, twice in a row, until it is whole', async (t) => {
      const target = sb.path('restored-cut');
      const { storage, stats } = await restoreThrough(
        { faultsByMethod: { GET: { truncateBody: 1 } }, maxConsecutive: 2 },
        target,
        0,
      );
      const gets = new Set(events.filter((e) => e.method === 'GET').map((e) => `${e.path} ${e.range}`));
      t.diagnostic(
        `${gets.size} GETs; summary ${JSON.stringify(storage)}; proxy ${JSON.stringify(stats.faults)}`,
      );
      assert.equal(stats.faults.truncateBody, 2 * gets.size, 'every GET cut twice');
      // Each cut answer is a retry; the first one may be two: the bucket's versioning, asked once on the way to the
      // config and to the key files, which are read together, fails both when its answer is cut.
      const cuts = stats.faults.truncateBody;
      assert.ok(
        storage.retries >= cuts && storage.retries <= cuts + 2,
        `and retried each time (${storage.retries} retries for ${cuts} cut answers)`,
      );
      assert.equal(storage.requests, stats.requests);
      assert.deepEqual(fingerprint(target), fingerprint(small));
    });

    it('reads a damaged whole object again until it matches its name, and a damaged blob again from its pack', async (t) => {
      // One byte inverted, the length kept: every GET of a key, index, snapshot or chain entry twice (the
      // retrying decorator checks whole reads against the name and reads again), and the first GET of every
      // pack of file data (a range: no hash the storage layer knows; the blob fails authentication in the pack
      // worker and the restore reads it again on its own, which comes through whole).
      const firstRead = new Set<string>();
      const target = sb.path('restored-damaged-once');
      const { r, stats } = await restoreThrough(
        {
          faultsByMethod: { GET: { corruptBody: 1 } },
          maxConsecutive: 2,
          only: (r) => {
            const p = keyOf(r);
            if (/\/damage\/(keys|index|snapshots|chain)\//.test(p)) return true;
            if (!isPack(p) || treePacks.has(p) || firstRead.has(p)) return false;
            firstRead.add(p);
            return true;
          },
        },
        target,
        0,
        false,
      );
      // Without --json, the retries show in one line for people.
      const line = /^storage: (\d+) of (\d+) requests retried; \S+ \S+ sent, \S+ \S+ received$/m.exec(
        r.stdout,
      );
      assert.ok(line, r.stdout);
      const [retries, requests] = [Number(line[1]), Number(line[2])];
      assert.equal(requests, stats.requests);
      const damaged = events.filter((e) => e.fault === 'corruptBody');
      const whole = damaged.filter((e) => !isPack(keyOf(e)));
      const ranges = damaged.filter((e) => isPack(keyOf(e)));
      t.diagnostic(
        `${whole.length} whole reads and ${ranges.length} ranges damaged; the summary's line: ${line[0]}`,
      );
      assert.ok(whole.length >= 2 * 4, 'a key, an index, a snapshot and a chain entry, twice each');
      assert.ok(ranges.length > 0);
      assert.equal(stats.faults.corruptBody, damaged.length);
      assert.equal(retries, whole.length, 'the storage layer read every damaged whole object again');
      assert.deepEqual(fingerprint(target), fingerprint(small), 'the restore is identical');
    });

    it('never writes a damaged blob: when every read of its pack is damaged, its file is removed and reported', async (t) => {
      // Every GET of a pack of file data damaged, however often it is read. (Packs of trees are left alone: a tree
      // blob that fails authentication is not read again — the blob reader tries other copies only — and the
      // restore fails; so does a damaged config, which is not named by its hash.)
      const target = sb.path('restored-damaged-always');
      const { summary, stats } = await restoreThrough(
        {
          faultsByMethod: { GET: { corruptBody: 1 } },
          only: (r) => isPack(keyOf(r)) && !treePacks.has(keyOf(r)),
        },
        target,
        3,
      );
      const failed = summary.errors as number;
      t.diagnostic(`${stats.faults.corruptBody} ranges damaged, ${failed} files not restored`);
      assert.ok(failed >= 1, 'files failed');
      const restored = new Map(fingerprint(target).map((line) => [line.split(' ')[0]!, line]));
      let missing = 0;
      for (const line of fingerprint(small)) {
        const got = restored.get(line.split(' ')[0]!);
        if (got === undefined) {
          assert.match(line, / file /, `${line}: only files whose data failed are missing`);
          missing++;
        } else assert.equal(got, line, 'a restored file holds exactly its bytes');
      }
      assert.equal(missing, failed, 'every failed file was removed, and only those');
    });
  });
});
