// The built-in workflows (ASL files in definitions/) and the definitions a plan runs: the built-in one, or the
// file its configuration names instead (`workflow:`), read, bound to the local engine's task resources and
// validated against the registered task handlers before anything starts, so a broken override fails with every
// finding named, not midway through a run.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { StepvaultError } from '../common/errors.ts';
import { formatDiagnostic } from '../workflows/asl/diagnostics.ts';
import type { WorkflowEngine } from '../workflows/engine/engine.ts';
import { bindDefinition } from './task-bindings.ts';

export const BUILTIN_WORKFLOWS = ['backup', 'restore-test', 'maintenance', 'aws-backup'] as const;
export type BuiltinWorkflow = (typeof BUILTIN_WORKFLOWS)[number];

/** The state machine each workflow's executions belong to (also the name nested executions refer to). */
export function stateMachineName(workflow: BuiltinWorkflow): string {
  return `stepvault-${workflow}`;
}

export function workflowOfStateMachine(name: string): BuiltinWorkflow | undefined {
  return BUILTIN_WORKFLOWS.find((w) => stateMachineName(w) === name);
}

export function builtinDefinitionPath(workflow: BuiltinWorkflow): string {
  return path.join(import.meta.dirname, 'definitions', `${workflow}.asl.json`);
}

/**
 * The text of a workflow as the local engine runs it: the override file when given (relative to `baseDir`), else
 * the built-in, with its placeholders bound to the local engine's resources (task-bindings.ts).
 */
export function workflowDefinition(workflow: BuiltinWorkflow, override?: string, baseDir = '.'): string {
  const file = override ? path.resolve(baseDir, override) : builtinDefinitionPath(workflow);
  return bindDefinition(readWorkflowFile(workflow, file, override !== undefined), file);
}

/** The daemon's restore workflow (`stepvault-restore`), bound like workflowDefinition's. */
export function restoreWorkflowDefinition(): string {
  const file = path.join(import.meta.dirname, 'definitions', 'restore.asl.json');
  return bindDefinition(readWorkflowFile('restore', file, false), file);
}

function readWorkflowFile(workflow: string, file: string, override: boolean): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new StepvaultError(
      'config',
      `cannot read the ${workflow} workflow ${file}: ${(e as Error).message}`,
      {
        hint: override
          ? "fix the plan's `workflow:` path (relative to the configuration file)"
          : 'the installation is incomplete: reinstall stepvault',
      },
    );
  }
}

/** Throws a `config` error listing every finding unless the definition is valid for this engine's handlers. */
export function requireValidWorkflow(engine: WorkflowEngine, text: string, origin: string): void {
  const result = engine.validate(text);
  if (result.ok) return;
  const findings = result.diagnostics
    .filter((d) => d.severity === 'ERROR')
    .map((d) => `  ${formatDiagnostic(d)}`)
    .join('\n');
  throw new StepvaultError('config', `the workflow ${origin} is invalid:\n${findings}`, {
    hint: 'check it with `stepvault workflow validate FILE`; the built-in definitions are a starting point',
  });
}
