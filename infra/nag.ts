// Acknowledging a cdk-nag finding where the construct is made, with the reason it is right there. Findings about
// wildcard resources name the resource as cdk-nag prints it (`<Logical.Arn>/repo/*`): `wildcard` builds that
// name from the same token the policy uses, so the acknowledgement follows the resource if it is renamed.

import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acknowledge(construct: IConstruct, finding: string, reason: string): void {
  Validations.of(construct).acknowledge({ id: `AwsSolutions::${finding}`, reason });
}

/** AwsSolutions-IAM5 for the wildcard resource `resource` (a string that may hold tokens). */
export function acknowledgeWildcard(construct: IConstruct, resource: string, reason: string): void {
  acknowledge(
    construct,
    `AwsSolutions-IAM5[Resource::${flatten(Stack.of(construct).resolve(resource))}]`,
    reason,
  );
}

/** A resolved CloudFormation value as cdk-nag writes it in a finding's name. */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  const o = node as Record<string, unknown>;
  if (o['Fn::Join']) {
    const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (o['Fn::Sub']) return flatten(o['Fn::Sub']);
  if (o['Fn::GetAtt']) {
    const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (o['Fn::ImportValue']) return flatten(o['Fn::ImportValue']);
  if (o.Ref) return `<${flatten(o.Ref)}>`;
  return JSON.stringify(node);
}
