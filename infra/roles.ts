// Least privilege for the repository, as README "Immutable backups" documents it for any AWS account. The
// workers' role reads, lists and writes the repository — create-only uploads, written with their retention — and
// removes only its own lease locks: it can neither delete nor overwrite data, delete a version, nor bypass or
// shorten retention (explicit denies, which no other grant can undo). With its credentials, ransomware can add
// data but not destroy or unlock any. A separate maintenance role runs forget, prune and retention extension: it
// may delete objects and versions (what Object Lock still protects stays) and extend retention, never bypass it.
// Every role may read the secrets stepvault.yaml names (SSM parameters, Secrets Manager secrets) and publish to
// its SNS notification topics, and nothing else of the kind.

import { ArnFormat, aws_iam as iam, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { LoadedConfig } from '../src/config/load-config.ts';
import { acknowledgeWildcard } from './nag.ts';
import type { RepositoryBucket } from './repository-bucket.ts';

/** What no role may do: delete versions' protection, or change the bucket's protections. */
const NEVER = [
  's3:BypassGovernanceRetention',
  's3:PutBucketObjectLockConfiguration',
  's3:PutLifecycleConfiguration',
  's3:PutBucketPolicy',
  's3:DeleteBucket',
  's3:PutBucketVersioning',
];

export interface RepositoryRolesProps {
  repository: RepositoryBucket;
  /** stepvault.yaml: the secrets and topics it names are granted to every role. */
  config: LoadedConfig;
}

export class RepositoryRoles extends Construct {
  readonly workers: iam.Role;
  readonly maintenance: iam.Role;
  /** The Lambda functions' role: read and list only (pick-snapshot, anomaly guard, notify), and their logs. */
  readonly functions: iam.Role;

  constructor(scope: Construct, id: string, props: RepositoryRolesProps) {
    super(scope, id);
    const { bucket, key, prefix } = props.repository;
    const objects = bucket.arnForObjects(`${prefix}*`);
    const locks = bucket.arnForObjects(`${prefix}locks/*`);
    const list = new iam.PolicyStatement({
      actions: [
        's3:ListBucket',
        's3:ListBucketVersions',
        's3:GetBucketVersioning',
        's3:GetBucketObjectLockConfiguration',
        's3:GetBucketLocation',
      ],
      resources: [bucket.bucketArn],
    });
    const read = new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectRetention'],
      resources: [objects],
    });
    const write = new iam.PolicyStatement({
      // PutObjectRetention: writing an object *with* retention takes it; shortening also needs the bypass, denied
      actions: [
        's3:PutObject',
        's3:PutObjectRetention',
        's3:AbortMultipartUpload',
        's3:ListMultipartUploadParts',
      ],
      resources: [objects],
    });
    const useKey = new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [key.keyArn],
    });
    const never = new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      actions: NEVER,
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
    });
    const { statements: config, wildcards } = configAccess(scope, props.config);
    const role = (id: string, service: string, description: string, statements: iam.PolicyStatement[]) =>
      new iam.Role(this, id, {
        assumedBy: new iam.ServicePrincipal(service),
        description,
        inlinePolicies: { repository: new iam.PolicyDocument({ statements: [...statements, ...config] }) },
      });

    this.workers = role(
      'Workers',
      'ecs-tasks.amazonaws.com',
      'stepvault workers: read, write and list the repository; no deletion, no overwrite, no retention change',
      [
        list,
        read,
        write,
        useKey,
        new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [locks] }),
        never,
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          actions: ['s3:DeleteObjectVersion', 's3:PutObjectLegalHold'],
          resources: [bucket.bucketArn, bucket.arnForObjects('*')],
        }),
        // deleting a current version hides data behind a delete marker: only lease locks may go
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          actions: ['s3:DeleteObject'],
          notResources: [locks],
        }),
        // uploads are create-only: an overwrite of an existing object is refused by S3 itself
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          actions: ['s3:PutObject'],
          resources: [objects],
          conditions: {
            Null: { 's3:if-none-match': 'true' },
            StringNotEquals: { 's3:ObjectCreationOperation': ['CreateMultipartUpload', 'UploadPart'] },
          },
        }),
      ],
    );
    this.maintenance = role(
      'Maintenance',
      'ecs-tasks.amazonaws.com',
      'stepvault maintenance: forget, prune and retention extension (deletes what Object Lock no longer protects)',
      [
        list,
        read,
        write,
        useKey,
        new iam.PolicyStatement({
          actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
          resources: [objects],
        }),
        never,
      ],
    );
    const functionLogs = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '/aws/lambda/stepvault-*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.functions = role(
      'Functions',
      'lambda.amazonaws.com',
      'stepvault Lambda tasks: read and list the repository, write their logs',
      [
        list,
        read,
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] }),
        new iam.PolicyStatement({
          actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [functionLogs],
        }),
      ],
    );
    for (const role of [this.workers, this.maintenance, this.functions]) {
      acknowledgeWildcard(
        role,
        objects,
        "a repository's objects are named by their content (data/ab/…, index/…, snapshots/…): the role is limited to the repository's prefix, and deletion and retention changes are denied or granted by statement",
      );
    }
    acknowledgeWildcard(this.workers, locks, 'the lease locks of concurrent runs, named when they are taken');
    for (const role of [this.workers, this.maintenance, this.functions]) {
      for (const [resource, reason] of wildcards) acknowledgeWildcard(role, resource, reason);
    }
    acknowledgeWildcard(
      this.functions,
      functionLogs,
      "the log groups of stepvault's own functions (stepvault-<task>), which Lambda names",
    );
  }

  /** Lets a role poll `activities` and report their tasks. */
  grantActivities(role: iam.IRole, activities: string[]): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'states:GetActivityTask',
          'states:SendTaskSuccess',
          'states:SendTaskFailure',
          'states:SendTaskHeartbeat',
        ],
        resources: activities,
      }),
    );
  }
}

/**
 * Reading the secrets stepvault.yaml names and publishing to its SNS topics: exactly those, no more; with the
 * wildcard resources this takes and why.
 */
function configAccess(
  scope: Construct,
  loaded: LoadedConfig,
): { statements: iam.PolicyStatement[]; wildcards: [string, string][] } {
  const stack = Stack.of(scope);
  const parameters = new Set<string>();
  const secrets = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      const ssm = v.ssm as { name?: string; region?: string } | undefined;
      const sm = v.awsSecretsManager as { secretId?: string; region?: string } | undefined;
      if (ssm?.name) {
        const name = ssm.name.startsWith('/') ? ssm.name.slice(1) : ssm.name;
        parameters.add(
          ssm.name.startsWith('arn:')
            ? ssm.name
            : stack.formatArn({
                service: 'ssm',
                resource: 'parameter',
                resourceName: name,
                ...(ssm.region ? { region: ssm.region } : {}),
              }),
        );
      } else if (sm?.secretId) {
        // a name matches the secret's ARN, which ends in a random suffix
        secrets.add(
          sm.secretId.startsWith('arn:')
            ? sm.secretId
            : stack.formatArn({
                service: 'secretsmanager',
                resource: 'secret',
                resourceName: `${sm.secretId}-??????`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
                ...(sm.region ? { region: sm.region } : {}),
              }),
        );
      } else Object.values(v).forEach(visit);
    }
  };
  visit(loaded.config);
  const topics = Object.values(loaded.config.notifications ?? {})
    .filter((n): n is typeof n & { type: 'sns'; topicArn: string } => (n as { type?: string }).type === 'sns')
    .map((n) => n.topicArn);
  const statements: iam.PolicyStatement[] = [];
  const wildcards: [string, string][] = [];
  for (const secret of secrets) {
    if (secret.endsWith('-??????'))
      wildcards.push([
        secret,
        'a secret named in stepvault.yaml: its ARN ends in a suffix Secrets Manager chose',
      ]);
  }
  if (parameters.size > 0)
    statements.push(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [...parameters] }));
  if (secrets.size > 0)
    statements.push(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [...secrets] }),
    );
  if (topics.length > 0)
    statements.push(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: topics }));
  // SecureString parameters and secrets encrypted with a customer key need kms:Decrypt through the service
  if (parameters.size + secrets.size > 0) {
    const anyKey = stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
    statements.push(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [anyKey],
        conditions: {
          StringLike: { 'kms:ViaService': ['ssm.*.amazonaws.com', 'secretsmanager.*.amazonaws.com'] },
        },
      }),
    );
    wildcards.push([
      anyKey,
      'the keys of the SecureString parameters and secrets stepvault.yaml names, usable only through SSM and Secrets Manager (kms:ViaService)',
    ]);
  }
  return { statements, wildcards };
}
