// The repository bucket: Object Lock in the configured mode and period (every object stepvault writes is locked
// by it; the bucket's default retention is the floor), versioning (Object Lock needs it), lifecycle rules moving
// data to the configured storage classes, Block Public Access, TLS only, encryption under a KMS key with yearly
// rotation, server access logs in a bucket of their own.

import { Duration, aws_kms as kms, RemovalPolicy, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface RepositoryBucketProps {
  /** @default { mode: 'GOVERNANCE', days: 30 } */
  objectLock?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; days: number };
  /** Where packs (`data/`) go as they age. @default [{ storageClass: 'GLACIER_IR', afterDays: 30 }] */
  transitions?: {
    storageClass: 'STANDARD_IA' | 'GLACIER_IR' | 'GLACIER' | 'DEEP_ARCHIVE';
    afterDays: number;
  }[];
  /** Key prefix of the repository in the bucket. @default 'repo/' */
  prefix?: string;
}

const CLASSES: Record<string, s3.StorageClass> = {
  STANDARD_IA: s3.StorageClass.INFREQUENT_ACCESS,
  GLACIER_IR: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
  GLACIER: s3.StorageClass.GLACIER,
  DEEP_ARCHIVE: s3.StorageClass.DEEP_ARCHIVE,
};

export class RepositoryBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
  /** The server access logs bucket (the run bucket logs there too). */
  readonly accessLogs: s3.Bucket;
  readonly prefix: string;

  constructor(scope: Construct, id: string, props: RepositoryBucketProps = {}) {
    super(scope, id);
    const lock = props.objectLock ?? { mode: 'GOVERNANCE', days: 30 };
    this.prefix = props.prefix ?? 'repo/';
    this.key = new kms.Key(this, 'Key', {
      description: 'stepvault repository bucket encryption',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.accessLogs = logs;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention:
        lock.mode === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(Duration.days(lock.days))
          : s3.ObjectLockRetention.governance(Duration.days(lock.days)),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      // (the CDK's interfaces are typed without exactOptionalPropertyTypes: a Bucket is an IBucket all the same)
      serverAccessLogsBucket: logs as s3.IBucket,
      serverAccessLogsPrefix: 'repository/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'packs-to-colder-storage',
          prefix: `${this.prefix}data/`,
          transitions: (props.transitions ?? [{ storageClass: 'GLACIER_IR', afterDays: 30 }]).map((t) => ({
            storageClass: CLASSES[t.storageClass]!,
            transitionAfter: Duration.days(t.afterDays),
          })),
        },
        // versions that prune removed (once their retention ran out) and failed uploads
        { id: 'old-versions', noncurrentVersionExpiration: Duration.days(lock.days + 1) },
        { id: 'failed-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
  }
}
