// Reading stepvault.yaml again while the daemon runs (SIGHUP, or an admin through the API): a valid file
// replaces the configuration tasks see from now on (plans, sources, notifications, tokens; running tasks keep
// what they opened); an invalid one changes nothing. Both are audited; the listen address and the state
// directory only change at the next start.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AuditLog } from '../catalog/audit-log.ts';
import { formatIssue } from '../config/config-issue.ts';
import { readConfigFile, stateDirOf } from '../config/load-config.ts';
import { ApiError } from './api/api-errors.ts';
import type { ReloadResult } from './api/api-schemas.ts';
import type { DaemonEnvironment } from './daemon-environment.ts';
import type { DaemonEvent, DaemonEventLevel } from './daemon-events.ts';

export interface ReloadDeps {
  env: DaemonEnvironment;
  audit: AuditLog;
  stateDir: string;
  processEnv: NodeJS.ProcessEnv;
  report(level: DaemonEventLevel, event: string, message: string, fields: DaemonEvent['fields']): void;
}

export async function reloadConfig(deps: ReloadDeps, actor: string): Promise<ReloadResult> {
  const file = deps.env.loaded.file;
  const target = `config:${path.basename(file)}`;
  const result = readConfigFile(file);
  if (!result.ok) {
    await deps.audit.append({
      actor,
      action: 'config.reload-failed',
      target,
      details: { problems: result.issues.length },
    });
    deps.report(
      'error',
      'config.reload-failed',
      `not reloaded: ${result.issues.length} problem(s) in ${file}`,
      {},
    );
    throw new ApiError(400, 'config', `${file} is invalid; the running configuration is kept`, {
      issues: result.issues.slice(0, 50).map(formatIssue),
    });
  }
  const loaded = result.loaded;
  const previous = deps.env.loaded.config.server;
  if (
    stateDirOf(loaded.config, deps.processEnv) !== deps.stateDir ||
    loaded.config.server?.listen !== previous?.listen
  ) {
    deps.report(
      'warn',
      'config.restart-needed',
      'server.listen or server.stateDir changed: that takes a restart',
      {},
    );
  }
  deps.env.replace(loaded);
  const sha256 = fileHash(file);
  const plans = Object.keys(loaded.config.plans).length;
  const tokens = loaded.config.server?.tokens.length ?? 0;
  await deps.audit.append({ actor, action: 'config.reload', target, details: { sha256, plans, tokens } });
  deps.report('info', 'config.reloaded', `configuration reloaded (${plans} plans)`, { sha256 });
  return { reloaded: true, file, sha256, plans, tokens };
}

export function fileHash(file: string): string {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return '';
  }
}
