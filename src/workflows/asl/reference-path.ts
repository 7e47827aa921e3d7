// Reference paths: the restricted JSONPath of `ResultPath` (members and indexes only) and the copy-on-write
// update that places a state's result inside its input.

import { AslError, StatesErrors } from './errors.ts';
import { isObject, type Json } from './json.ts';
import { parseJsonPath } from './jsonpath-parser.ts';

export type ReferenceStep = { kind: 'member'; name: string } | { kind: 'index'; index: number };

/** Parses a reference path; throws for anything that is not `$` followed by members and indexes. */
export function parseReferencePath(source: string): ReferenceStep[] {
  const path = parseJsonPath(source);
  if (path.root.kind !== 'input') throw new Error(`'${source}' must start with '$.' (the state input)`);
  const steps: ReferenceStep[] = [];
  for (const seg of path.segments) {
    const sel = seg.kind === 'child' && seg.selectors.length === 1 ? seg.selectors[0]! : undefined;
    if (sel?.kind === 'member') steps.push({ kind: 'member', name: sel.name });
    else if (sel?.kind === 'index' && sel.index >= 0) steps.push({ kind: 'index', index: sel.index });
    else throw new Error(`'${source}' is not a reference path (only members and indexes are allowed)`);
  }
  return steps;
}

export function isValidReferencePath(source: string): boolean {
  try {
    parseReferencePath(source);
    return true;
  } catch {
    return false;
  }
}

/** Returns `input` with `value` placed at `path`, creating objects along the way; `input` is not modified. */
export function applyResultPath(input: Json, path: string, value: Json): Json {
  const steps = parseReferencePath(path);
  return setAt(input, steps, 0, value, path);
}

function setAt(node: Json, steps: ReferenceStep[], i: number, value: Json, path: string): Json {
  if (i === steps.length) return value;
  const step = steps[i]!;
  if (step.kind === 'member') {
    if (node !== null && node !== undefined && !isObject(node)) {
      throw new AslError(
        StatesErrors.ResultPathMatchFailure,
        `Unable to apply ResultPath '${path}': the value at '${step.name}' is not an object.`,
      );
    }
    const obj = isObject(node) ? { ...node } : {};
    obj[step.name] = setAt(obj[step.name] ?? null, steps, i + 1, value, path);
    return obj;
  }
  if (!Array.isArray(node) || step.index >= node.length) {
    throw new AslError(
      StatesErrors.ResultPathMatchFailure,
      `Unable to apply ResultPath '${path}': index ${step.index} does not exist in the input.`,
    );
  }
  const arr = [...node];
  arr[step.index] = setAt(arr[step.index]!, steps, i + 1, value, path);
  return arr;
}
