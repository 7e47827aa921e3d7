// `stepvault config validate` checks stepvault.yaml (syntax, schema, cross-references; with --check-secrets
// also that every secret reference resolves, never printing a value) and shows the plans' next runs;
// `stepvault config schema` prints the JSON Schema for editors.

import type { Command } from 'commander';
import { formatPath } from '../../config/config-issue.ts';
import { configJsonSchema } from '../../config/json-schema.ts';
import { findConfigFile, type LoadedConfig, readConfigFile } from '../../config/load-config.ts';
import { describeSecretRef, type SecretRef, secretRefSchema } from '../../config/secret-ref.ts';
import { SecretResolver } from '../../config/secrets/secret-resolver.ts';
import { parseSchedule } from '../../domain/schedule.ts';
import { action, type CommandContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { localTime, table } from '../output/format.ts';

export const CONFIG_OPTION = [
  '--config <file>',
  'configuration file (env STEPVAULT_CONFIG; default ./stepvault.yaml)',
] as const;

export function register(program: Command): void {
  const group = program.command('config').description('check the configuration (stepvault.yaml)');

  group
    .command('validate')
    .description('check stepvault.yaml: syntax, schema, references; show the next runs of each plan')
    .option(...CONFIG_OPTION)
    .option('--check-secrets', 'also resolve every secret reference (values are never shown)')
    .action(
      action(async (ctx, opts: { config?: string; checkSecrets?: boolean }) => {
        const file = findConfigFile(opts.config);
        const result = readConfigFile(file);
        if (!result.ok) {
          for (const i of result.issues) {
            ctx.out.item(
              'diagnostic',
              { ...i },
              `${i.file}:${i.line}:${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`,
            );
          }
          ctx.out.item(
            'validation',
            { file, result: 'FAIL', problems: result.issues.length },
            `${file}: invalid (${result.issues.length} problem${result.issues.length === 1 ? '' : 's'})`,
          );
          return EXIT.usage;
        }
        const secretsOk = opts.checkSecrets ? await checkSecrets(ctx, result.loaded) : true;
        showSummary(ctx, result.loaded);
        return secretsOk ? EXIT.ok : EXIT.failed;
      }),
    );

  group
    .command('schema')
    .description('print the JSON Schema of stepvault.yaml (for editor completion)')
    .action(
      action(async () => {
        process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
        return EXIT.ok;
      }),
    );
}

function showSummary(ctx: CommandContext, loaded: LoadedConfig): void {
  const { config, file } = loaded;
  const now = new Date();
  const runs = Object.entries(config.plans).flatMap(([plan, p]) =>
    p.rules.map((rule) => {
      const next = parseSchedule(rule.schedule, rule.timezone).nextRun(now);
      return {
        plan,
        rule: rule.name,
        schedule: rule.schedule,
        timezone: rule.timezone,
        next: next?.toISOString(),
      };
    }),
  );
  const counts = {
    repositories: Object.keys(config.repositories).length,
    sources: Object.keys(config.sources).length,
    plans: Object.keys(config.plans).length,
    notifications: Object.keys(config.notifications).length,
  };
  if (ctx.out.json) {
    ctx.out.message('validation', { file, result: 'OK', ...counts, next_runs: runs });
    return;
  }
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const parts = [
    plural(counts.repositories, 'repository', 'repositories'),
    plural(counts.sources, 'source'),
    plural(counts.plans, 'plan'),
    plural(counts.notifications, 'notification'),
  ];
  ctx.out.line(`${file}: valid (${parts.join(', ')})`);
  if (runs.length === 0) return;
  const rows = runs.map((r) => [
    `${r.plan}/${r.rule}`,
    r.schedule,
    r.timezone,
    r.next ? localTime(r.next) : 'never',
  ]);
  for (const line of table(['Rule', 'Schedule', 'Time zone', 'Next run (local time)'], rows))
    ctx.out.line(line);
}

/** Resolves every secret reference in the configuration; prints where each comes from and whether it resolved. */
async function checkSecrets(ctx: CommandContext, loaded: LoadedConfig): Promise<boolean> {
  const resolver = new SecretResolver({ baseDir: loaded.dir });
  let ok = true;
  for (const { path, ref } of secretReferences(loaded.config)) {
    const where = formatPath(path);
    try {
      await resolver.resolve(ref, ctx.signal);
      ctx.out.item(
        'secret',
        { path: where, source: describeSecretRef(ref), ok: true },
        `secret ${where} (${describeSecretRef(ref)}): ok`,
      );
    } catch (e) {
      ok = false;
      const message = (e as Error).message;
      ctx.out.item(
        'secret',
        { path: where, source: describeSecretRef(ref), ok: false, error: { message } },
        `secret ${where} (${describeSecretRef(ref)}): ${message}`,
      );
    }
  }
  return ok;
}

function secretReferences(
  value: unknown,
  path: PropertyKey[] = [],
): { path: PropertyKey[]; ref: SecretRef }[] {
  if (typeof value !== 'object' || value === null) return [];
  const asRef = secretRefSchema.safeParse(value);
  if (asRef.success) return [{ path, ref: asRef.data }];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([key, inner]) => secretReferences(inner, [...path, key]));
}
