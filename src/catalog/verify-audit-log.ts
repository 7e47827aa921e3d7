// Checks an audit log record by record: each line is a record whose hash matches its content, whose seq is one
// more than the line before, and whose prev is the hash of the line before; and, when the head file is there,
// that the log still reaches the head it records. Names the first line that fails, so a removed, changed,
// inserted or reordered record is found.

import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { StepvaultError } from '../common/errors.ts';
import { type AuditHead, readHeadFile } from './audit-log.ts';
import { type AuditRecord, GENESIS, hashRecord } from './audit-record.ts';

export type AuditVerification =
  | { ok: true; records: number; head: AuditHead }
  | { ok: false; records: number; line: number; problem: string };

const FIELDS = ['action', 'actor', 'details', 'hash', 'prev', 'seq', 'target', 'time'];

export async function verifyAuditLog(
  file: string,
  options: { expectHead?: AuditHead } = {},
): Promise<AuditVerification> {
  const expected = options.expectHead ?? readHeadFile(file);
  let stream: fs.ReadStream;
  try {
    await fs.promises.access(file, fs.constants.R_OK);
    stream = fs.createReadStream(file, { encoding: 'utf8' });
  } catch (e) {
    throw new StepvaultError(
      'not-found',
      `cannot read the audit log ${file}: ${(e as NodeJS.ErrnoException).code}`,
      {
        hint: 'give the file with --file, or the configuration whose server.stateDir holds it with --config',
      },
    );
  }
  const lines = readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  let prev = GENESIS;
  let hashAtHead: string | undefined;
  const fail = (problem: string): AuditVerification => ({ ok: false, records: line - 1, line, problem });
  try {
    for await (const text of lines) {
      line++;
      const problem = checkLine(text, line, prev);
      if (typeof problem === 'string') return fail(problem);
      prev = problem.hash;
      if (expected && problem.seq === expected.seq) hashAtHead = problem.hash;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (expected && expected.seq > line) {
    line++;
    return fail(
      `the log ends after record ${line - 1} but its head records ${expected.seq}: records at the end were removed`,
    );
  }
  if (expected && expected.seq > 0 && hashAtHead !== expected.hash) {
    line = expected.seq;
    return fail('the record does not have the hash the head file records: it was replaced');
  }
  return { ok: true, records: line, head: { seq: line, hash: prev } };
}

function checkLine(text: string, line: number, prev: string): AuditRecord | string {
  let record: AuditRecord;
  try {
    record = JSON.parse(text) as AuditRecord;
  } catch {
    return text.trim() === '' ? 'an empty line' : 'not a JSON record';
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not a JSON record';
  const keys = Object.keys(record).sort();
  if (keys.join() !== FIELDS.join())
    return `the record's fields are ${keys.join(', ')}, expected ${FIELDS.join(', ')}`;
  if (typeof record.hash !== 'string' || hashRecord(record) !== record.hash) {
    return 'the hash does not match the record: it was changed';
  }
  if (record.seq !== line) {
    return record.seq > line
      ? `seq ${record.seq} where ${line} was expected: a record before it was removed (or records were reordered)`
      : `seq ${record.seq} where ${line} was expected: a record was inserted (or records were reordered)`;
  }
  if (record.prev !== prev) {
    return 'prev is not the hash of the record before: a record was removed, inserted or reordered';
  }
  return record;
}

/** Every record of a log, in order (for listing; use verifyAuditLog to check them). */
export async function* readAuditRecords(file: string): AsyncGenerator<AuditRecord> {
  const stream = fs.createReadStream(file, { encoding: 'utf8' });
  const lines = readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  try {
    for await (const text of lines) {
      n++;
      try {
        yield JSON.parse(text) as AuditRecord;
      } catch {
        throw new StepvaultError('corrupt', `line ${n} of the audit log ${file} is not JSON`, {
          hint: 'run `stepvault audit verify`',
        });
      }
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}
