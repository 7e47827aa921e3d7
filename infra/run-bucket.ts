// The run bucket: the files of fan-out backups (the spaces a distributed Map reads, the results it writes, the
// run's plan), kept for a month and then expired — working files, never backup data (which lives only in the
// repository bucket). No public access, TLS only, encrypted, access logged beside the repository bucket's.

import { Duration, RemovalPolicy, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** Where in the bucket runs keep their files (fan-out-tasks.ts names them under it). */
export const RUN_PREFIX = 'stepvault/';

export interface RunBucketProps {
  /** The server access logs bucket. */
  accessLogs: s3.IBucket;
  /** Days a run's files are kept. @default 30 */
  keepDays?: number;
}

export class RunBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: RunBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'runs/',
      removalPolicy: RemovalPolicy.DESTROY,
      lifecycleRules: [
        { id: 'expire-runs', expiration: Duration.days(props.keepDays ?? 30) },
        { id: 'failed-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }

  /** The objects runs read and write. */
  objectsArn(): string {
    return this.bucket.arnForObjects(`${RUN_PREFIX}*`);
  }
}
