import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { StepvaultError } from '../../common/errors.ts';
import { localItemIo, localObjectStore, parseCsv } from './item-io.ts';

function toCsv(rows: string[][]): string {
  return rows
    .map((r) => r.map((f) => (/[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(','))
    .join('\n');
}

test('CSV rows written with quoting parse back to the same fields', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.string({ maxLength: 8 }), { minLength: 3, maxLength: 3 }), {
        minLength: 1,
        maxLength: 6,
      }),
      (rows) => {
        const header = ['a', 'b', 'c'];
        const items = parseCsv(toCsv([header, ...rows]), {});
        const expected = rows
          .filter((r) => r.join('') !== '' || r.length > 1)
          .map((r) => ({ a: r[0], b: r[1], c: r[2] }));
        assert.deepEqual(items, expected);
      },
    ),
  );
  assert.deepEqual(parseCsv('x;y\n1;2\n', { CSVDelimiter: 'SEMICOLON' }), [{ x: '1', y: '2' }]);
  assert.deepEqual(parseCsv('1,2\n', { CSVHeaderLocation: 'GIVEN', CSVHeaders: ['p', 'q'] }), [
    { p: '1', q: '2' },
  ]);
});

test('local buckets: JSON, JSON Lines and listings in; manifest and result files out; no escaping the root', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-wf-io-'));
  try {
    fs.mkdirSync(path.join(root, 'b', 'in'), { recursive: true });
    fs.writeFileSync(path.join(root, 'b', 'in', 'a.json'), '[1,2,3]');
    fs.writeFileSync(path.join(root, 'b', 'in', 'b.jsonl'), '{"x":1}\n{"x":2}\n');
    const io = localItemIo(root);
    assert.deepEqual(
      await io.read('arn:aws:states:::s3:getObject', { Bucket: 'b', Key: 'in/a.json' }, { MaxItems: 2 }),
      [1, 2],
    );
    assert.deepEqual(
      await io.read(
        'arn:aws:states:::s3:getObject',
        { Bucket: 'b', Key: 'in/b.jsonl' },
        { InputType: 'JSONL' },
      ),
      [{ x: 1 }, { x: 2 }],
    );
    const listed = (await io.read(
      'arn:aws:states:::s3:listObjectsV2',
      { Bucket: 'b', Prefix: 'in/' },
      {},
    )) as { Key: string }[];
    assert.deepEqual(
      listed.map((o) => o.Key),
      ['in/a.json', 'in/b.jsonl'],
    );
    await assert.rejects(
      io.read('arn:aws:states:::s3:getObject', { Bucket: 'b', Key: '../../etc/passwd' }, {}),
      /leaves the bucket/,
    );
    const details = (await io.write(
      'arn:aws:states:::s3:putObject',
      { Bucket: 'out', Prefix: 'runs' },
      {},
      'arn:aws:states:local:0:mapRun:T/M:abc',
      [
        { index: 0, ok: true, value: 1 },
        { index: 1, ok: false, value: { Error: 'E', Cause: 'c' } },
      ],
    )) as { Key: string };
    assert.equal(details.Key, 'runs/abc/manifest.json');
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'out', details.Key), 'utf8'));
    assert.deepEqual(
      manifest.ResultFiles.SUCCEEDED.map((f: { Key: string }) => f.Key),
      ['runs/abc/SUCCEEDED_0.json'],
    );
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(root, 'out', 'runs/abc/FAILED_0.json'), 'utf8')), [
      { Index: 1, Error: 'E', Cause: 'c', Status: 'FAILED' },
    ]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('an object larger than the reader allows is refused unread, naming it', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-wf-io-'));
  try {
    fs.mkdirSync(path.join(root, 'b'), { recursive: true });
    fs.writeFileSync(path.join(root, 'b', 'big.json'), 'x'.repeat(100));
    const store = localObjectStore(root);
    assert.equal((await store.getText('b', 'big.json', 100)).length, 100);
    await assert.rejects(store.getText('b', 'big.json', 99), (e: StepvaultError) => {
      assert.equal(e.code, 'corrupt');
      assert.match(e.message, /big\.json holds 100 bytes, more than the 99 it may/);
      return true;
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
