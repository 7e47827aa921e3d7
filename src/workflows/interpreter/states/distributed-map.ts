// Placeholder replaced below.
import type { State } from '../../asl/definition.ts';
import { AslError, StatesErrors } from '../../asl/errors.ts';
import type { ExecutionMachine } from '../machine.ts';
import type { Scope } from '../model.ts';

export async function runDistributedMap(_m: ExecutionMachine, scope: Scope, _state: State): Promise<void> {
  throw new AslError(StatesErrors.Runtime, `Distributed Map '${scope.state}' is not supported yet.`);
}
