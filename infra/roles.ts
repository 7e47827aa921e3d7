// Least privilege for the repository: the workers' role reads, writes and lists the repository but can neither
// delete objects nor change their retention (an explicit deny, which no other grant can undo): with its
// credentials, ransomware can add data but not destroy or unlock any. A separate maintenance role runs forget,
// prune and retention extension: it may delete objects (what Object Lock still protects stays) and extend
// retention, but never bypass governance retention.

import { ArnFormat, aws_iam as iam, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeWildcard } from './nag.ts';
import type { RepositoryBucket } from './repository-bucket.ts';

/** What no repository role may do: undo Object Lock, or change the bucket's protections. */
const NEVER = [
  's3:BypassGovernanceRetention',
  's3:PutBucketObjectLockConfiguration',
  's3:PutLifecycleConfiguration',
  's3:PutBucketPolicy',
  's3:DeleteBucket',
  's3:PutBucketVersioning',
];

export class RepositoryRoles extends Construct {
  readonly workers: iam.Role;
  readonly maintenance: iam.Role;
  /** The Lambda functions' role: read and list only (preflight, pick-snapshot, anomaly guard), and their logs. */
  readonly functions: iam.Role;

  constructor(scope: Construct, id: string, props: { repository: RepositoryBucket }) {
    super(scope, id);
    const { bucket, key, prefix } = props.repository;
    const objects = bucket.arnForObjects(`${prefix}*`);
    const readWrite = [
      new iam.PolicyStatement({
        actions: ['s3:ListBucket', 's3:GetBucketObjectLockConfiguration', 's3:GetBucketLocation'],
        resources: [bucket.bucketArn],
      }),
      new iam.PolicyStatement({
        actions: [
          's3:GetObject',
          's3:GetObjectVersion',
          's3:PutObject',
          's3:GetObjectRetention',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
        ],
        resources: [objects],
      }),
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [key.keyArn],
      }),
    ];
    this.workers = new iam.Role(this, 'Workers', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'stepvault workers: read, write and list the repository; no deletion, no retention change',
      inlinePolicies: {
        repository: new iam.PolicyDocument({
          statements: [
            ...readWrite,
            new iam.PolicyStatement({
              effect: iam.Effect.DENY,
              actions: [
                's3:DeleteObject',
                's3:DeleteObjectVersion',
                's3:PutObjectRetention',
                's3:PutObjectLegalHold',
                ...NEVER,
              ],
              resources: [bucket.bucketArn, bucket.arnForObjects('*')],
            }),
          ],
        }),
      },
    });
    this.maintenance = new iam.Role(this, 'Maintenance', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description:
        'stepvault maintenance: forget, prune and retention extension (deletes what Object Lock no longer protects)',
      inlinePolicies: {
        repository: new iam.PolicyDocument({
          statements: [
            ...readWrite,
            new iam.PolicyStatement({
              actions: [
                's3:DeleteObject',
                's3:DeleteObjectVersion',
                's3:PutObjectRetention',
                's3:ListBucketVersions',
              ],
              resources: [bucket.bucketArn, objects],
            }),
            new iam.PolicyStatement({
              effect: iam.Effect.DENY,
              actions: NEVER,
              resources: [bucket.bucketArn, bucket.arnForObjects('*')],
            }),
          ],
        }),
      },
    });
    const functionLogs = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '/aws/lambda/stepvault-*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.functions = new iam.Role(this, 'Functions', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'stepvault Lambda tasks: read and list the repository, write their logs',
      inlinePolicies: {
        repository: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['s3:ListBucket', 's3:GetBucketLocation'],
              resources: [bucket.bucketArn],
            }),
            new iam.PolicyStatement({
              actions: ['s3:GetObject', 's3:GetObjectRetention'],
              resources: [objects],
            }),
            new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] }),
            new iam.PolicyStatement({
              actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [functionLogs],
            }),
          ],
        }),
      },
    });
    for (const role of [this.workers, this.maintenance, this.functions]) {
      acknowledgeWildcard(
        role,
        objects,
        "a repository's objects are named by their content (data/ab/…, index/…, snapshots/…): the role is limited to the repository's prefix, and deletion and retention changes are denied or granted by statement",
      );
    }
    acknowledgeWildcard(
      this.functions,
      functionLogs,
      "the log groups of stepvault's own functions (stepvault-<task>), which Lambda names",
    );
  }

  /** Lets the workers and maintenance workers poll `activities` and report their tasks. */
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
