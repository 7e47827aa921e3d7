import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { DiskSpool } from './disk-spool.ts';

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sv-spool-test-'));
}

test('a spool keeps the newest version of each id, in the group it came with last, in first-seen order', () => {
  const dir = scratch();
  using spool = new DiskSpool<{ v: number; text: string }>(dir);
  assert.deepEqual(spool.group('a'), []);
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing on disk before the first put');
  spool.put('1', 'a', 1, { v: 1, text: 'one' });
  spool.put('2', 'a', 1, { v: 1, text: 'two' });
  spool.put('1', 'a', 3, { v: 3, text: 'one, edited' });
  spool.put('1', 'a', 2, { v: 2, text: 'an older edit, listed late' });
  spool.put('3', 'b', 1, { v: 1, text: 'three' });
  spool.put('2', 'b', 2, { v: 2, text: 'two, moved' });
  assert.deepEqual(spool.group('a'), [{ v: 3, text: 'one, edited' }]);
  assert.deepEqual(spool.group('b'), [
    { v: 2, text: 'two, moved' },
    { v: 1, text: 'three' },
  ]);
  assert.deepEqual(spool.group('nothing'), []);
  assert.deepEqual(spool.get('2'), { v: 2, text: 'two, moved' });
  assert.equal(spool.get('4'), undefined);
  assert.equal(spool.has('2'), true);
  assert.equal(spool.has('4'), false);
  assert.deepEqual(spool.group('a'), [{ v: 3, text: 'one, edited' }], 'reading a group leaves it in place');
});

test('the spool file holds no plaintext, and close deletes it', () => {
  const dir = scratch();
  const spool = new DiskSpool<string>(dir);
  for (let i = 0; i < 2500; i++) spool.put(String(i), `g${i % 7}`, 1, `confidential comment number ${i}`);
  assert.equal(spool.group('g3').length, 357);
  const own = fs.readdirSync(dir)[0] ?? '';
  assert.ok(own.startsWith('stepvault-spool-'));
  assert.equal(fs.statSync(path.join(dir, own)).mode & 0o777, 0o700, 'a private directory');
  const bytes = fs.readFileSync(path.join(dir, own, 'spool.db'));
  assert.ok(bytes.length > 2500 * 28, 'the values are on disk');
  assert.equal(bytes.includes('confidential'), false, 'no value in the clear');
  spool.close();
  spool.close();
  assert.deepEqual(fs.readdirSync(dir), []);
  assert.throws(() => spool.group('g1'), /closed/);
});

test('a spool gives back what a map of newest values by id would hold (property)', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          id: fc.integer({ min: 0, max: 40 }).map(String),
          group: fc.constantFrom('x', 'y', 'z'),
          version: fc.integer({ min: 0, max: 5 }),
          value: fc.jsonValue(),
        }),
        { maxLength: 300 },
      ),
      (puts) => {
        const dir = scratch();
        using spool = new DiskSpool<unknown>(dir);
        const model = new Map<string, { group: string; version: number; value: unknown }>();
        for (const p of puts) {
          spool.put(p.id, p.group, p.version, p.value);
          const held = model.get(p.id);
          if (!held || p.version >= held.version) model.set(p.id, p);
        }
        for (const group of ['x', 'y', 'z']) {
          const expected = [...model.values()].filter((m) => m.group === group).map((m) => m.value);
          // JSON round trip: -0 becomes 0, as it would in any JSON the source sent.
          assert.deepEqual(spool.group(group), JSON.parse(JSON.stringify(expected)));
        }
        for (const [id, held] of model)
          assert.deepEqual(spool.get(id), JSON.parse(JSON.stringify(held.value)));
        fs.rmSync(dir, { recursive: true, force: true });
      },
    ),
    { numRuns: 60 },
  );
});

test('a new spool removes the spools of processes that no longer run, and only those', () => {
  const dir = scratch();
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const stale = path.join(dir, `stepvault-spool-${dead}-x1y2z3`);
  const live = path.join(dir, `stepvault-spool-${process.ppid}-a1b2c3`);
  const other = path.join(dir, 'stepvault-spool-notapid');
  for (const d of [stale, live, other]) {
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'spool.db'), 'sealed bytes');
  }
  using spool = new DiskSpool<number>(dir);
  assert.ok(fs.existsSync(stale), 'nothing happens before the first put');
  spool.put('1', 'g', 1, 1);
  assert.equal(fs.existsSync(stale), false, 'the dead process spool is gone');
  assert.ok(fs.existsSync(live) && fs.existsSync(other));
  const own = fs.readdirSync(dir).filter((n) => n.startsWith(`stepvault-spool-${process.pid}-`));
  assert.equal(own.length, 1);
  assert.deepEqual(fs.readdirSync(path.join(dir, own[0]!)), ['spool.db'], 'no journal file beside the spool');
});
