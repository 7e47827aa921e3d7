// Test support: the snapshot-chain tamper tests, run against any storage through a RawStore (an attacker's view of
// it). Each test builds a fresh repository with the CLI, tampers with it behind stepvault's back, and checks that
// `check`, `snapshots` and `restore` notice and that nothing tampered with is used.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { StoredChainEntry } from '../../src/repository/chain/chain-entry.ts';
import { loadChain } from '../../src/repository/chain/chain-state.ts';
import type { Repository } from '../../src/repository/repository.ts';
import { CliSandbox, only } from './cli.ts';
import type { RawStore, RawType } from './raw-store.ts';

export interface TamperTarget {
  /** Environment for the CLI (repository location, credentials); the sandbox's own repository when empty. */
  env: NodeJS.ProcessEnv;
  raw: RawStore;
  /** The repository through the library, with the key (to find which sealed entry is which). */
  open(): Promise<Repository>;
}

/** The chain's entries, oldest first (by `seq`). */
async function entriesBySeq(t: TamperTarget): Promise<StoredChainEntry[]> {
  const repo = await t.open();
  try {
    return [...(await loadChain(repo)).entries.values()].sort((a, b) => a.seq - b.seq);
  } finally {
    await repo.backend.close();
  }
}

const TYPES: RawType[] = ['config', 'keys', 'data', 'index', 'snapshots', 'locks', 'tombstones', 'chain'];

async function everything(raw: RawStore): Promise<Set<string>> {
  const all = new Set<string>();
  for (const type of TYPES) for (const name of await raw.list(type)) all.add(`${type}/${name}`);
  return all;
}

export function describeChainTamper(label: string, target: (sb: CliSandbox) => Promise<TamperTarget>): void {
  describe(`snapshot chain under attack (${label})`, () => {
    const sandboxes: CliSandbox[] = [];
    after(() => {
      for (const sb of sandboxes) sb.cleanup();
    });

    /** A new repository (`init` done) and a data directory, in a sandbox of their own. */
    async function fresh() {
      const sb = new CliSandbox('sv-chain-');
      sandboxes.push(sb);
      const t = await target(sb);
      const data = sb.path('data');
      fs.mkdirSync(data);
      const run = (args: string[], code = 0) => sb.ok(args, code, t.env);
      run(['init']);
      return { sb, t, data, run };
    }

    /** A repository with two snapshots of different content: `first`, then `second`. */
    async function twoSnapshots() {
      const { sb, t, data, run } = await fresh();
      fs.writeFileSync(path.join(data, 'file.txt'), 'first version\n');
      const first = only(run(['backup', data, '--json']).messages, 'summary')[0]!.snapshot_id as string;
      fs.writeFileSync(path.join(data, 'file.txt'), 'second version\n');
      const second = only(run(['backup', data, '--json']).messages, 'summary')[0]!.snapshot_id as string;
      return { sb, t, data, run, first, second };
    }

    const restoredText = (restored: string, data: string) =>
      fs.readFileSync(path.join(restored, data, 'file.txt'), 'utf8');

    it('a forgotten snapshot put back is named by check (also --read-data), never listed or restored', async () => {
      const { sb, t, data, run, first, second } = await twoSnapshots();
      const saved = await t.raw.get('snapshots', second);
      run(['forget', second]);
      await t.raw.put('snapshots', second, saved);
      for (const args of [['check'], ['check', '--read-data']]) {
        const check = run([...args, '--json'], 1);
        const errors = only(check.messages, 'error').map((m) => JSON.stringify(m));
        assert.ok(
          errors.some((e) => e.includes(second) && /forgotten.*present again/.test(e)),
          `${args.join(' ')}: ${check.stdout}`,
        );
      }
      const listed = run(['snapshots', '--json']);
      assert.deepEqual(
        only(listed.messages, 'snapshot').map((s) => s.id),
        [first],
      );
      assert.match(listed.stderr + listed.stdout, /present again/);
      const target = sb.path('restored');
      const restore = run(['restore', 'latest', '--target', target]);
      assert.equal(restoredText(target, data), 'first version\n', 'latest is the snapshot that was kept');
      assert.match(restore.stderr, /present again/);
      run(['prune']);
      assert.ok(!(await t.raw.list('snapshots')).includes(second), 'prune removed the put-back snapshot');
      run(['check']);
    });

    it('the newest snapshot deleted with its chain entry, before anything else ran, is noticed', async () => {
      const { sb, t, data, run, second } = await twoSnapshots();
      const newest = (await entriesBySeq(t)).at(-1)!;
      assert.deepEqual(newest.snapshots, [second], 'the newest entry records the second snapshot');
      await t.raw.delete('snapshots', second);
      await t.raw.delete('chain', newest.name);
      const listed = run(['snapshots']);
      assert.match(listed.stderr, /rolled back/);
      const target = sb.path('restored');
      const restore = run(['restore', 'latest', '--target', target]);
      assert.match(restore.stderr, /rolled back/);
      assert.equal(restoredText(target, data), 'first version\n');
      const check = run(['check', '--json'], 1);
      const errors = only(check.messages, 'error').map((m) => JSON.stringify(m));
      assert.ok(
        errors.some((e) => e.includes(second)),
        check.stdout,
      );
      assert.ok(
        errors.some((e) => /chain\//.test(e) && /rolled back/.test(e)),
        check.stdout,
      );
      // A write after the rollback (a new backup) does not make the client forget what it saw.
      run(['backup', data]);
      const after = run(['check', '--json'], 1);
      assert.ok(
        only(after.messages, 'error').some((m) => /rolled back/.test(JSON.stringify(m))),
        after.stdout,
      );
    });

    it('a rollback of the whole repository to an earlier state is noticed', async () => {
      const { sb, t, data, run } = await fresh();
      fs.writeFileSync(path.join(data, 'file.txt'), 'first version\n');
      run(['backup', data]);
      const before = await everything(t.raw);
      fs.writeFileSync(path.join(data, 'file.txt'), 'second version\n');
      run(['backup', data]);
      run(['snapshots']);
      for (const object of await everything(t.raw)) {
        if (before.has(object)) continue;
        const [type, name] = object.split('/') as [RawType, string];
        await t.raw.delete(type, name);
      }
      assert.match(run(['snapshots']).stderr, /rolled back/);
      const restoreDir = sb.path('restored');
      assert.match(run(['restore', 'latest', '--target', restoreDir]).stderr, /rolled back/);
      const check = run(['check'], 1);
      assert.match(check.stdout + check.stderr, /rolled back/);
    });

    it('a chain entry removed from the middle, or swapped for another, is named by check', async () => {
      const { t, run, data } = await twoSnapshots();
      fs.writeFileSync(path.join(data, 'file.txt'), 'third version\n');
      run(['backup', data]);
      const entries = await entriesBySeq(t);
      assert.equal(entries.length, 3);
      const middle = entries[1]!.name;
      await t.raw.put('chain', middle, await t.raw.get('chain', entries[0]!.name));
      let check = run(['check', '--json'], 1);
      assert.ok(
        only(check.messages, 'error').some((m) => JSON.stringify(m).includes(`chain/${middle}`)),
        check.stdout,
      );
      await t.raw.delete('chain', middle);
      check = run(['check', '--json'], 1);
      assert.ok(
        only(check.messages, 'error').some(
          (m) => JSON.stringify(m).includes(`chain/${middle}`) && /removed/.test(JSON.stringify(m)),
        ),
        check.stdout,
      );
    });
  });
}
