// Reading stepvault.yaml: find the file (--config, STEPVAULT_CONFIG, ./stepvault.yaml), parse it safely, validate
// it against the schema and the cross-references, and make its relative paths absolute (relative to the file's
// directory; a leading ~/ is the home directory). Every problem is reported with file:line:column.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StepvaultError } from '../common/errors.ts';
import { locationRelativeTo, parseLocation } from '../storage/location-registry.ts';
import { type ConfigIssue, configError, formatPath } from './config-issue.ts';
import { configSchema, type StepvaultConfig } from './config-schema.ts';
import { checkCrossReferences } from './cross-references.ts';
import { issuesFromZod } from './schema-issues.ts';
import { MAX_CONFIG_BYTES, parseYamlSource, type YamlSource } from './yaml-source.ts';

export const DEFAULT_CONFIG_FILE = 'stepvault.yaml';

export interface LoadedConfig {
  /** The file, absolute. */
  file: string;
  /** Its directory: secret `file:` references are relative to it. */
  dir: string;
  /**
   * The validated configuration, defaults filled in; repository directories, files source paths, plan
   * workflows and server.stateDir are absolute.
   */
  config: StepvaultConfig;
}

export type ConfigValidation = { ok: true; loaded: LoadedConfig } | { ok: false; issues: ConfigIssue[] };

export interface ValidateOptions {
  /** Check that files the configuration names (plan workflows) exist. @default true */
  checkFiles?: boolean;
  /** For ~/ in paths. @default os.homedir() */
  home?: string;
}

/** Validates configuration text; `file` is where it came from (for messages and relative paths). */
export function validateConfigText(
  text: string,
  file: string,
  options: ValidateOptions = {},
): ConfigValidation {
  const parsed = parseYamlSource(text, file);
  if (!parsed.ok) return parsed;
  const source = parsed.source;
  if (source.value === null) {
    return {
      ok: false,
      issues: [{ file, line: 1, column: 1, path: '', message: `the file is empty: start with "version: 1"` }],
    };
  }
  const result = configSchema.safeParse(source.value, { reportInput: true });
  if (!result.success) return { ok: false, issues: issuesFromZod(result.error.issues, source) };
  const dir = path.dirname(path.resolve(file));
  const config = absolutize(result.data, dir, options.home ?? os.homedir());
  const issues = checkCrossReferences(config).map(({ path: p, message }) => issueAt(source, p, message));
  if (options.checkFiles ?? true) {
    for (const [name, plan] of Object.entries(config.plans)) {
      if (plan.workflow !== undefined && !fs.existsSync(plan.workflow)) {
        issues.push(issueAt(source, ['plans', name, 'workflow'], `no such file: ${plan.workflow}`));
      }
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, loaded: { file: path.resolve(file), dir, config } };
}

/** Reads and validates a configuration file; file errors are usage errors, content errors are issues. */
export function readConfigFile(file: string, options: ValidateOptions = {}): ConfigValidation {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    if (stat.size > MAX_CONFIG_BYTES) {
      return {
        ok: false,
        issues: [
          {
            file,
            line: 1,
            column: 1,
            path: '',
            message: `the file is larger than ${MAX_CONFIG_BYTES} bytes`,
          },
        ],
      };
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new StepvaultError('usage', `cannot read the configuration file ${file}: ${code}`, {
      hint: 'give the file with --config or STEPVAULT_CONFIG, or create ./stepvault.yaml',
    });
  }
  return validateConfigText(text, file, options);
}

/** Reads and validates a configuration file; throws a `config` error listing every problem. */
export function loadConfig(file: string, options: ValidateOptions = {}): LoadedConfig {
  const result = readConfigFile(file, options);
  if (!result.ok) throw configError(result.issues);
  return result.loaded;
}

/** The configuration file to use: the flag, else STEPVAULT_CONFIG, else ./stepvault.yaml if it exists. */
export function findConfigFile(flag: string | undefined, env = process.env, cwd = process.cwd()): string {
  if (flag !== undefined && flag !== '') return path.resolve(cwd, flag);
  if (env.STEPVAULT_CONFIG) return path.resolve(cwd, env.STEPVAULT_CONFIG);
  const local = path.join(cwd, DEFAULT_CONFIG_FILE);
  if (fs.existsSync(local)) return local;
  throw new StepvaultError('usage', 'no configuration file', {
    hint: 'give one with --config FILE or STEPVAULT_CONFIG, or create ./stepvault.yaml',
  });
}

/** Where the daemon keeps its state: server.stateDir, else $XDG_STATE_HOME/stepvault or ~/.local/state/stepvault. */
export function stateDirOf(config: StepvaultConfig, env = process.env): string {
  if (config.server?.stateDir !== undefined) return config.server.stateDir;
  const base = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(base, 'stepvault');
}

function issueAt(source: YamlSource, p: PropertyKey[], message: string): ConfigIssue {
  return { file: source.file, ...source.positionOf(p), path: formatPath(p), message };
}

function absolutize(config: StepvaultConfig, dir: string, home: string): StepvaultConfig {
  const abs = (p: string) =>
    p === '~' || p.startsWith('~/') ? path.join(home, p.slice(1)) : path.resolve(dir, p);
  for (const repository of Object.values(config.repositories)) {
    repository.location = locationRelativeTo(parseLocation(repository.location), dir, home).text;
  }
  for (const source of Object.values(config.sources)) {
    if (source.type === 'files') source.paths = source.paths.map(abs);
  }
  for (const plan of Object.values(config.plans)) {
    if (plan.workflow !== undefined) plan.workflow = abs(plan.workflow);
  }
  if (config.server?.stateDir !== undefined) config.server.stateDir = abs(config.server.stateDir);
  return config;
}
