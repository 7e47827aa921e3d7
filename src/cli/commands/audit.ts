// `stepvault audit verify` checks the hash chain of an audit log and names the first bad line (exit 1);
// `stepvault audit log` lists its records. The log is --file, or audit.log in the state directory of the
// configuration's server (server.stateDir).

import * as path from 'node:path';
import type { Command } from 'commander';
import { AUDIT_LOG_NAME, type AuditHead } from '../../catalog/audit-log.ts';
import type { AuditRecord } from '../../catalog/audit-record.ts';
import { readAuditRecords, verifyAuditLog } from '../../catalog/verify-audit-log.ts';
import { StepvaultError } from '../../common/errors.ts';
import { findConfigFile, loadConfig, stateDirOf } from '../../config/load-config.ts';
import { action } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { integer } from '../option-parsers.ts';
import { localTime, table } from '../output/format.ts';
import { CONFIG_OPTION } from './config.ts';

interface FileOptions {
  file?: string;
  config?: string;
}

function auditFile(opts: FileOptions): string {
  if (opts.file) return path.resolve(opts.file);
  const loaded = loadConfig(findConfigFile(opts.config), { checkFiles: false });
  return path.join(stateDirOf(loaded.config), AUDIT_LOG_NAME);
}

function parseHead(text: string): AuditHead {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text);
  if (!match)
    throw new StepvaultError('usage', `--expect-head must be SEQ:HASH (64 hex digits), got "${text}"`);
  return { seq: Number(match[1]), hash: match[2]! };
}

export function register(program: Command): void {
  const group = program
    .command('audit')
    .description('the audit log of the daemon (hash-chained, append-only)');

  group
    .command('verify')
    .description('check that no record was removed, changed, inserted or reordered')
    .option('--file <file>', 'the audit log (default: audit.log in server.stateDir of the configuration)')
    .option(...CONFIG_OPTION)
    .option(
      '--expect-head <seq:hash>',
      'the head recorded elsewhere earlier (instead of the head file)',
      parseHead,
    )
    .action(
      action(async (ctx, opts: FileOptions & { expectHead?: AuditHead }) => {
        const file = auditFile(opts);
        const result = await verifyAuditLog(file, opts.expectHead ? { expectHead: opts.expectHead } : {});
        if (result.ok) {
          ctx.out.item(
            'audit_verification',
            { file, ok: true, records: result.records, head: result.head },
            `${file}: ${result.records} records, chain intact (head ${result.head.seq}:${result.head.hash})`,
          );
          return EXIT.ok;
        }
        ctx.out.item(
          'audit_verification',
          { file, ok: false, records: result.records, line: result.line, problem: result.problem },
          `${file}:${result.line}: ${result.problem} (${result.records} records before it are intact)`,
        );
        return EXIT.failed;
      }),
    );

  group
    .command('log')
    .description('list the records of the audit log, oldest first')
    .option('--file <file>', 'the audit log (default: audit.log in server.stateDir of the configuration)')
    .option(...CONFIG_OPTION)
    .option('--limit <n>', 'only the newest n records', integer('--limit', 1))
    .option('--action <action>', 'only records of this action (e.g. restore.request)')
    .option('--actor <actor>', 'only records of this actor (e.g. token:ops)')
    .action(
      action(async (ctx, opts: FileOptions & { limit?: number; action?: string; actor?: string }) => {
        const file = auditFile(opts);
        let records: AuditRecord[] = [];
        for await (const record of readAuditRecords(file)) {
          if (opts.action && record.action !== opts.action) continue;
          if (opts.actor && record.actor !== opts.actor) continue;
          records.push(record);
          if (opts.limit && records.length > opts.limit) records = records.slice(-opts.limit);
        }
        if (ctx.out.json) {
          for (const record of records) ctx.out.message('audit_record', { ...record });
          return EXIT.ok;
        }
        const rows = records.map((r) => [
          String(r.seq),
          localTime(r.time),
          r.actor,
          r.action,
          r.target,
          Object.keys(r.details).length ? JSON.stringify(r.details).slice(0, 80) : '',
        ]);
        for (const line of table(['Seq', 'Time', 'Actor', 'Action', 'Target', 'Details'], rows))
          ctx.out.line(line);
        ctx.out.line(`${records.length} records`);
        return EXIT.ok;
      }),
    );
}
