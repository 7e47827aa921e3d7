import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../common/clock.ts';
import { isStepvaultError } from '../common/errors.ts';
import { Secret } from '../common/secret.ts';
import { AuditLog, headFileOf } from './audit-log.ts';
import { type AuditRecord, GENESIS, hashRecord } from './audit-record.ts';
import { canonicalJson } from './canonical-json.ts';
import { readAuditRecords, verifyAuditLog } from './verify-audit-log.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-audit-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshFile = () => path.join(root, `d${++counter}`, 'audit.log');
const CANARY = 'canary-4c1d-audit-secret';

async function logWith(n: number, file = freshFile()): Promise<string> {
  const log = await AuditLog.open(file, { clock: new ManualClock(Date.UTC(2025, 0, 1)) });
  for (let i = 1; i <= n; i++) {
    await log.append({
      actor: `token:op${i % 3}`,
      action: 'backup.run',
      target: `plan:p${i}/daily`,
      details: { i },
    });
  }
  await log.close();
  return file;
}

const readLines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
const writeLines = (file: string, lines: string[]) =>
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));

describe('audit log', () => {
  it('appends hash-chained records to a 0600 file and verifies them', async () => {
    const file = await logWith(5);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const records = readLines(file).map((l) => JSON.parse(l) as AuditRecord);
    assert.deepEqual(
      records.map((r) => r.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(records[0]!.prev, GENESIS);
    for (let i = 1; i < records.length; i++) assert.equal(records[i]!.prev, records[i - 1]!.hash);
    for (const r of records) assert.equal(r.hash, hashRecord(r));
    assert.equal(records[0]!.time, '2025-01-01T00:00:00.000Z');
    const result = await verifyAuditLog(file);
    assert.deepEqual(result, { ok: true, records: 5, head: { seq: 5, hash: records[4]!.hash } });
    const listed: AuditRecord[] = [];
    for await (const r of readAuditRecords(file)) listed.push(r);
    assert.deepEqual(listed, records);
  });

  it('continues the chain after reopening', async () => {
    const file = await logWith(2);
    await logWith(2, file);
    const records = readLines(file).map((l) => JSON.parse(l) as AuditRecord);
    assert.deepEqual(
      records.map((r) => r.seq),
      [1, 2, 3, 4],
    );
    assert.ok((await verifyAuditLog(file)).ok);
  });

  it('serializes concurrent appends in call order', async () => {
    const file = freshFile();
    const log = await AuditLog.open(file);
    const written = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        log.append({ actor: 'cli', action: 'test.append', target: `t${i}` }),
      ),
    );
    await log.close();
    assert.deepEqual(
      written.map((r) => r.target),
      Array.from({ length: 50 }, (_, i) => `t${i}`),
    );
    assert.deepEqual(await verifyAuditLog(file), { ok: true, records: 50, head: log.head });
  });

  it('never records secrets in details', async () => {
    const file = freshFile();
    const log = await AuditLog.open(file);
    await log.append({
      actor: 'token:admin',
      action: 'restore.request',
      target: 'plan:wiki',
      details: {
        password: CANARY,
        nested: { apiKey: CANARY, Authorization: `Bearer ${CANARY}`, list: [{ smtpPass: CANARY }] },
        value: new Secret(CANARY),
        token: { anything: CANARY },
        clientSecret: CANARY,
        kept: 'visible',
        when: new Date(Date.UTC(2025, 5, 1)),
        error: new Error('failed'),
        big: 10n,
        skip: undefined,
      },
    });
    await log.close();
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(!text.includes(CANARY), text);
    const record = JSON.parse(text) as AuditRecord;
    assert.deepEqual(record.details, {
      password: '[redacted]',
      nested: { apiKey: '[redacted]', Authorization: '[redacted]', list: [{ smtpPass: '[redacted]' }] },
      value: '[secret]',
      token: '[redacted]',
      clientSecret: '[redacted]',
      kept: 'visible',
      when: '2025-06-01T00:00:00.000Z',
      error: { name: 'Error', message: 'failed' },
      big: '10',
    });
  });

  it('names the first bad line of a removed, changed, inserted or reordered record', async () => {
    const file = await logWith(6);
    const original = readLines(file);
    const expectBad = async (lines: string[], line: number, problem: RegExp) => {
      writeLines(file, lines);
      const result = await verifyAuditLog(file);
      assert.ok(!result.ok, 'expected a broken chain');
      assert.equal(result.line, line, result.problem);
      assert.match(result.problem, problem);
      assert.equal(result.records, line - 1);
    };
    await expectBad([...original.slice(0, 2), ...original.slice(3)], 3, /removed/);
    const changed = JSON.parse(original[3]!) as AuditRecord;
    changed.actor = 'token:someone-else';
    await expectBad([...original.slice(0, 3), JSON.stringify(changed), ...original.slice(4)], 4, /changed/);
    const resealed = { ...changed, hash: hashRecord(changed) };
    await expectBad(
      [...original.slice(0, 3), JSON.stringify(resealed), ...original.slice(4)],
      5,
      /prev is not/,
    );
    const forged = {
      seq: 3,
      time: 'x',
      actor: 'a',
      action: 'b',
      target: 'c',
      details: {},
      prev: JSON.parse(original[1]!).hash,
    };
    const inserted = JSON.stringify({ ...forged, hash: hashRecord(forged) });
    await expectBad([...original.slice(0, 2), inserted, ...original.slice(2)], 4, /inserted|reordered/);
    await expectBad([original[0]!, original[2]!, original[1]!, ...original.slice(3)], 2, /removed|reordered/);
    await expectBad([...original.slice(0, 5)], 6, /records at the end were removed/);
    await expectBad([...original.slice(0, 2), 'not json', ...original.slice(3)], 3, /not a JSON record/);
    await expectBad([...original.slice(0, 2), '', ...original.slice(2)], 3, /empty line/);
    writeLines(file, original);
    assert.ok((await verifyAuditLog(file)).ok);
  });

  it('detects a replaced tail against the head file, and checks against an expected head', async () => {
    const file = await logWith(3);
    const original = readLines(file);
    const last = JSON.parse(original[2]!) as AuditRecord;
    const replacement = { ...last, target: 'plan:other' };
    writeLines(file, [
      ...original.slice(0, 2),
      JSON.stringify({ ...replacement, hash: hashRecord(replacement) }),
    ]);
    const result = await verifyAuditLog(file);
    assert.ok(!result.ok && result.line === 3 && /replaced/.test(result.problem));
    fs.rmSync(headFileOf(file));
    assert.ok((await verifyAuditLog(file)).ok, 'without a head file a rewritten last record cannot be told');
    assert.ok(!(await verifyAuditLog(file, { expectHead: { seq: 3, hash: last.hash } })).ok);
  });

  it('removes a torn last line left by a crash, and records that it did', async () => {
    const file = await logWith(3);
    fs.appendFileSync(file, '{"seq":4,"time":"2025-');
    const log = await AuditLog.open(file);
    await log.append({ actor: 'cli', action: 'test.after-crash', target: 'x' });
    await log.close();
    const records = readLines(file).map((l) => JSON.parse(l) as AuditRecord);
    assert.deepEqual(
      records.map((r) => [r.seq, r.action]),
      [
        [1, 'backup.run'],
        [2, 'backup.run'],
        [3, 'backup.run'],
        [4, 'audit.torn-tail-removed'],
        [5, 'test.after-crash'],
      ],
    );
    assert.deepEqual(records[3]!.details, { bytes: 22 });
    assert.ok((await verifyAuditLog(file)).ok);
  });

  it('refuses to extend a log whose last record is damaged', async () => {
    const file = await logWith(2);
    const lines = readLines(file);
    writeLines(file, [lines[0]!, lines[1]!.replace('backup.run', 'backup.ran')]);
    await assert.rejects(
      AuditLog.open(file),
      (e) => isStepvaultError(e, 'corrupt') && /audit verify/.test(e.hint ?? ''),
    );
  });

  it('canonical JSON does not depend on key order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        assert.equal(canonicalJson(value as never), canonicalJson(reversed as never));
        assert.deepEqual(JSON.parse(canonicalJson(value as never)), JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('verification finds any single-record tampering (property)', async () => {
    const file = await logWith(8);
    const original = readLines(file);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom('remove', 'duplicate', 'swap', 'edit'),
        async (i, how) => {
          const lines = [...original];
          if (how === 'remove') lines.splice(i, 1);
          else if (how === 'duplicate') lines.splice(i, 0, lines[i]!);
          else if (how === 'swap') [lines[i], lines[(i + 1) % 8]] = [lines[(i + 1) % 8]!, lines[i]!];
          else lines[i] = lines[i]!.replace('"backup.run"', '"backup.skip"');
          writeLines(file, lines);
          const result = await verifyAuditLog(file);
          assert.ok(!result.ok, `${how} ${i} went unnoticed`);
          assert.ok(result.line <= i + 2, `${how} ${i}: line ${result.line}`);
        },
      ),
      { numRuns: 60 },
    );
    writeLines(file, original);
  });
});
