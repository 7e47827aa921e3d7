// The distributed Map state: each item (or batch of items, with ItemBatcher) runs as a child execution of the
// ItemProcessor, at most MaxConcurrency at a time. Reading items (ItemReader) and writing results (ResultWriter)
// are I/O, so the interpreter asks the driver for them with commands and continues when the answer is delivered.
// The parent records MapRunStarted/MapRunSucceeded/MapRunFailed; the children have their own histories.

import type { State } from '../../asl/definition.ts';
import { queryLanguageOf } from '../../asl/definition.ts';
import { AslError, StatesErrors } from '../../asl/errors.ts';
import { isObject, type Json, type JsonObject, jsonByteLength } from '../../asl/json.ts';
import { evaluateJsonataTemplate } from '../../asl/jsonata.ts';
import { evaluatePath, evaluatePayloadTemplate } from '../../asl/payload-template.ts';
import { finishWithResult, resultKey, toleranceConfigured } from '../children.ts';
import { inputPath, integerAtPath, requireInteger } from '../dataflow.ts';
import { guard, handleStateError } from '../flow.ts';
import type { ExecutionMachine } from '../machine.ts';
import type { ChildrenPhase, Scope, TaskOutcome } from '../model.ts';
import { nextUuid } from '../random.ts';
import { jsonataEnv, pathEnv } from '../scope-env.ts';
import {
  failedKey,
  maxItemsOf,
  readCommand,
  runResults,
  startCommand,
  unitsKey,
  writeCommand,
} from './distributed-map-commands.ts';
import { tolerance } from './map.ts';

export async function runDistributedMap(m: ExecutionMachine, scope: Scope, state: State): Promise<void> {
  const jsonata = queryLanguageOf(state, m.def.queryLanguage) === 'JSONata';
  const effective = jsonata ? scope.input : inputPath(state, scope.input, pathEnv(m, scope, scope.input));
  let maxConcurrency = 0;
  if (state.MaxConcurrencyPath !== undefined)
    maxConcurrency = integerAtPath(
      state.MaxConcurrencyPath,
      pathEnv(m, scope, effective),
      'MaxConcurrencyPath',
      0,
    );
  else if (state.MaxConcurrency !== undefined) {
    const v = jsonata
      ? await evaluateJsonataTemplate(
          state.MaxConcurrency as Json,
          jsonataEnv(m, scope, scope.input),
          'MaxConcurrency',
        )
      : (state.MaxConcurrency as Json);
    maxConcurrency = requireInteger(v, 'MaxConcurrency', 0);
  }
  const phase: ChildrenPhase = {
    kind: 'children',
    mode: 'distributed',
    total: 0,
    nextIndex: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    maxConcurrency,
    toleratedCount: undefined,
    toleratedPercentage: undefined,
    mapRunArn: `${m.header.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${state.Label ?? scope.state}:${nextUuid(m.header.rngState)}`,
  };
  scope.phase = phase;
  m.touch(scope);
  if (state.ItemReader) {
    const maxItems = maxItemsOf(m, scope, state);
    if (typeof maxItems === 'object') {
      // As on AWS: the run starts with no items and fails with the reader's complaint.
      m.emit(scope, 'MapStateStarted', 'mapStateStartedEventDetails', { length: 0 });
      m.emit(scope, 'MapRunStarted', 'mapRunStartedEventDetails', { mapRunArn: phase.mapRunArn! });
      m.emit(scope, 'MapRunFailed', 'mapRunFailedEventDetails', {
        error: StatesErrors.ItemReaderFailed,
        cause: maxItems.problem,
      });
      await handleStateError(m, scope, state, new AslError(StatesErrors.ItemReaderFailed, maxItems.problem));
      return;
    }
    m.command(await readCommand(m, scope, state));
    return;
  }
  let items: Json;
  if (jsonata)
    items =
      state.Items !== undefined
        ? await evaluateJsonataTemplate(state.Items, jsonataEnv(m, scope, scope.input), 'Items')
        : scope.input;
  else
    items =
      state.ItemsPath !== undefined
        ? evaluatePath(state.ItemsPath, pathEnv(m, scope, effective), 'ItemsPath')
        : effective;
  if (!Array.isArray(items)) {
    throw new AslError(
      jsonata ? StatesErrors.QueryEvaluationError : StatesErrors.Runtime,
      `The items of Map state '${scope.state}' must be a JSON array.`,
      jsonata ? 'Items' : undefined,
    );
  }
  await startRun(m, scope, state, items, effective);
}

/** The driver read the ItemReader's items (or failed to). */
export async function deliverItems(
  m: ExecutionMachine,
  scopeId: string,
  result: { items: Json[] } | { error: string; cause: string },
): Promise<void> {
  const scope = m.scopes.get(scopeId);
  if (
    scope?.status !== 'running' ||
    scope.phase.kind !== 'children' ||
    scope.phase.total > 0 ||
    m.blobs.has(unitsKey(scope))
  )
    return;
  const state = m.state(scope);
  await guard(m, scope, state, async () => {
    if ('error' in result) throw new AslError(result.error, result.cause);
    const effective =
      queryLanguageOf(state, m.def.queryLanguage) === 'JSONata'
        ? scope.input
        : inputPath(state, scope.input, pathEnv(m, scope, scope.input));
    await startRun(m, scope, state, result.items, effective);
  });
}

async function startRun(
  m: ExecutionMachine,
  scope: Scope,
  state: State,
  items: Json[],
  effective: Json,
): Promise<void> {
  const phase = scope.phase as ChildrenPhase;
  const jsonata = queryLanguageOf(state, m.def.queryLanguage) === 'JSONata';
  const selected: Json[] = [];
  for (const [index, value] of items.entries()) {
    if (state.ItemSelector === undefined) selected.push(value);
    else if (jsonata)
      selected.push(
        await evaluateJsonataTemplate(
          state.ItemSelector,
          jsonataEnv(m, scope, scope.input, { mapItem: { index, value } }),
          'ItemSelector',
        ),
      );
    else
      selected.push(
        evaluatePayloadTemplate(
          state.ItemSelector,
          pathEnv(m, scope, effective, { mapItem: { index, value } }),
        ),
      );
  }
  const units = batch(m, scope, state, selected, effective);
  m.emit(scope, 'MapStateStarted', 'mapStateStartedEventDetails', { length: units.length });
  Object.assign(phase, await tolerance(m, scope, state, effective));
  phase.total = units.length;
  m.putBlob(unitsKey(scope), units);
  m.emit(scope, 'MapRunStarted', 'mapRunStartedEventDetails', { mapRunArn: phase.mapRunArn! });
  m.touch(scope);
  spawnChildren(m, scope);
  if (phase.total === 0) await finishRun(m, scope, state, phase);
}

function batch(m: ExecutionMachine, scope: Scope, state: State, items: Json[], effective: Json): Json[] {
  const b = state.ItemBatcher;
  if (!b) return items;
  const env = pathEnv(m, scope, effective);
  const maxItems = b.MaxItemsPerBatchPath
    ? integerAtPath(b.MaxItemsPerBatchPath, env, 'MaxItemsPerBatchPath', 1)
    : ((b.MaxItemsPerBatch as number | undefined) ?? Number.POSITIVE_INFINITY);
  const maxBytes = b.MaxInputBytesPerBatchPath
    ? integerAtPath(b.MaxInputBytesPerBatchPath, env, 'MaxInputBytesPerBatchPath', 1)
    : ((b.MaxInputBytesPerBatch as number | undefined) ?? 256 * 1024);
  const batchInput = b.BatchInput === undefined ? undefined : evaluatePayloadTemplate(b.BatchInput, env);
  const out: Json[] = [];
  let current: Json[] = [];
  let bytes = 0;
  const flush = () => {
    if (current.length === 0) return;
    const unit: JsonObject = { Items: current };
    if (batchInput !== undefined) unit.BatchInput = batchInput;
    out.push(unit);
    current = [];
    bytes = 0;
  };
  for (const item of items) {
    const size = jsonByteLength(item);
    if (current.length >= maxItems || (current.length > 0 && bytes + size > maxBytes)) flush();
    current.push(item);
    bytes += size;
  }
  flush();
  return out;
}

/** Asks the driver to start child executions up to MaxConcurrency. */
export function spawnChildren(m: ExecutionMachine, scope: Scope): void {
  const p = scope.phase as ChildrenPhase;
  const units = m.blobs.get(unitsKey(scope)) as Json[] | undefined;
  if (!units) return;
  const limit = p.maxConcurrency > 0 ? p.maxConcurrency : Number.POSITIVE_INFINITY;
  const children: { index: number; input: Json }[] = [];
  while (p.running < limit && p.nextIndex < p.total) {
    const index = p.nextIndex++;
    children.push({ index, input: units[index]! });
    p.running++;
  }
  m.touch(scope);
  if (children.length > 0) m.command(startCommand(m, scope, children));
}

/** A child execution ended. Deliveries for a child already recorded are ignored. */
export async function deliverChildResult(
  m: ExecutionMachine,
  scopeId: string,
  index: number,
  outcome: TaskOutcome,
): Promise<void> {
  const scope = m.scopes.get(scopeId);
  const p = scope?.phase;
  if (scope?.status !== 'running' || p?.kind !== 'children' || p.mode !== 'distributed') return;
  if (m.blobs.has(resultKey(scope, index)) || m.blobs.has(failedKey(scope, index))) return;
  const state = m.state(scope);
  await guard(m, scope, state, async () => {
    p.running--;
    if (outcome.ok) {
      m.putBlob(resultKey(scope, index), outcome.output);
      p.succeeded++;
    } else {
      m.putBlob(failedKey(scope, index), { Error: outcome.error, Cause: outcome.cause ?? '' });
      p.failed++;
      const exceeded =
        !toleranceConfigured(p) ||
        (p.toleratedCount !== undefined && p.failed > p.toleratedCount) ||
        (p.toleratedPercentage !== undefined && (p.failed / p.total) * 100 > p.toleratedPercentage);
      if (exceeded) {
        m.command({ kind: 'cancel', token: p.mapRunArn!, reason: 'the map run failed' });
        m.emit(scope, 'MapRunFailed', 'mapRunFailedEventDetails', {
          error: outcome.error,
          cause: outcome.cause ?? '',
        });
        const error = toleranceConfigured(p)
          ? new AslError(
              StatesErrors.ExceedToleratedFailureThreshold,
              `The number of failed items (${p.failed}) exceeded the tolerated failure threshold of state '${scope.state}'.`,
            )
          : new AslError(outcome.error, outcome.cause);
        await handleStateError(m, scope, state, error);
        return;
      }
    }
    m.touch(scope);
    spawnChildren(m, scope);
    if (p.succeeded + p.failed === p.total) await finishRun(m, scope, state, p);
  });
}

async function finishRun(m: ExecutionMachine, scope: Scope, state: State, p: ChildrenPhase): Promise<void> {
  if (state.ResultWriter) {
    const cmd = await writeCommand(m, scope, state, p);
    p.running = -1; // waiting for the results to be written
    m.touch(scope);
    m.command(cmd);
    return;
  }
  await completeRun(
    m,
    scope,
    state,
    runResults(m, scope, p).map((r) => r.value),
  );
}

/** The driver wrote the results (ResultWriter): the Map's output names where. */
export async function deliverResultsWritten(
  m: ExecutionMachine,
  scopeId: string,
  result: { details: Json } | { error: string; cause: string },
): Promise<void> {
  const scope = m.scopes.get(scopeId);
  const p = scope?.phase;
  if (scope?.status !== 'running' || p?.kind !== 'children' || p.running !== -1) return;
  const state = m.state(scope);
  await guard(m, scope, state, async () => {
    if ('error' in result) throw new AslError(result.error, result.cause);
    await completeRun(m, scope, state, {
      MapRunArn: p.mapRunArn!,
      ResultWriterDetails: isObject(result.details) ? result.details : {},
    });
  });
}

async function completeRun(m: ExecutionMachine, scope: Scope, state: State, result: Json): Promise<void> {
  m.emit(scope, 'MapRunSucceeded');
  m.emit(scope, 'MapStateSucceeded');
  const prefix = `${scope.id}:`;
  for (const key of [...m.blobs.keys()]) if (key.startsWith(prefix)) m.deleteBlob(key);
  await finishWithResult(m, scope, state, result);
}
