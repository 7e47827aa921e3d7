// ARNs and names of local state machines and executions, shaped like AWS's so that tools and people can read
// them the same way: `arn:aws:states:<region>:<account>:execution:<stateMachine>:<name>`.

import { StepvaultError } from '../../common/errors.ts';

export interface Partition {
  region: string;
  accountId: string;
}

export const LOCAL_PARTITION: Partition = { region: 'local', accountId: '000000000000' };

const NAME = /^[A-Za-z0-9_.:-]{1,80}$/;

export function checkName(kind: string, name: string): string {
  if (!NAME.test(name) || name.includes(':')) {
    throw new StepvaultError('usage', `invalid ${kind} name '${name}'`, {
      hint: `use 1 to 80 letters, digits, '-', '_' or '.' for the ${kind} name`,
    });
  }
  return name;
}

export function stateMachineArn(p: Partition, name: string): string {
  return `arn:aws:states:${p.region}:${p.accountId}:stateMachine:${name}`;
}

export function executionArn(p: Partition, stateMachine: string, name: string): string {
  return `arn:aws:states:${p.region}:${p.accountId}:execution:${stateMachine}:${name}`;
}

export function roleArn(p: Partition): string {
  return `arn:aws:iam::${p.accountId}:role/stepvault-local`;
}
