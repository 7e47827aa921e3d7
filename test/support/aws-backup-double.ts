// A loopback double of the two AWS APIs the AWS Backup workflow calls, enough for the real SDK clients: AWS Backup
// (REST JSON: StartBackupJob `PUT /backup-jobs`, DescribeBackupJob `GET /backup-jobs/{id}`, StartCopyJob
// `PUT /copy-jobs`, DescribeCopyJob `GET /copy-jobs/{id}`) and the Resource Groups Tagging API (JSON 1.1:
// GetResources with TagFilters and ResourceTypeFilters). Each resource has a scripted fate: its backup job
// completes after a number of polls, fails, or never ends; a job started twice with the same idempotency token is
// the same job, as on AWS.

import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DoubleResource {
  arn: string;
  tags: Record<string, string>;
  /** `complete` after `polls` DescribeBackupJob calls (default 2); `fail` on the first; `hang` never ends. */
  fate: 'complete' | 'fail' | 'hang';
  polls?: number;
}

interface Job {
  id: string;
  resource: DoubleResource;
  vault: string;
  polls: number;
  recoveryPoint: string;
}

export interface AwsBackupDouble {
  endpoint: string;
  /** Backup jobs started, by resource ARN. */
  backupJobs(): { resource: string; vault: string; role: string }[];
  copyJobs(): { recoveryPoint: string; destination: string }[];
  close(): Promise<void>;
}

export async function startAwsBackupDouble(resources: DoubleResource[]): Promise<AwsBackupDouble> {
  const jobs = new Map<string, Job>();
  const byToken = new Map<string, Job>();
  const started: { resource: string; vault: string; role: string }[] = [];
  const copies = new Map<string, { recoveryPoint: string; destination: string; polls: number }>();

  const routes = (req: http.IncomingMessage, body: Record<string, unknown>, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target === 'ResourceGroupsTaggingAPI_20170126.GetResources') {
      const filters = (body.TagFilters ?? []) as { Key: string; Values?: string[] }[];
      const types = (body.ResourceTypeFilters ?? []) as string[];
      const matching = resources.filter(
        (r) =>
          filters.every((f) => f.Key in r.tags && (!f.Values?.length || f.Values.includes(r.tags[f.Key]!))) &&
          (types.length === 0 || types.some((t) => resourceType(r.arn).startsWith(t))),
      );
      return reply(res, 200, {
        PaginationToken: '',
        ResourceTagMappingList: matching.map((r) => ({
          ResourceARN: r.arn,
          Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
        })),
      });
    }
    if (req.method === 'PUT' && url.pathname === '/backup-jobs') {
      const resource = resources.find((r) => r.arn === body.ResourceArn);
      if (!resource)
        return error(res, 400, 'InvalidParameterValueException', `unknown resource ${body.ResourceArn}`);
      const token = String(body.IdempotencyToken ?? randomUUID());
      let job = byToken.get(token);
      if (!job) {
        job = {
          id: randomUUID(),
          resource,
          vault: String(body.BackupVaultName),
          polls: 0,
          recoveryPoint: `arn:aws:backup:eu-west-1:123456789012:recovery-point:${randomUUID()}`,
        };
        jobs.set(job.id, job);
        byToken.set(token, job);
        started.push({ resource: resource.arn, vault: job.vault, role: String(body.IamRoleArn) });
      }
      return reply(res, 200, { BackupJobId: job.id, CreationDate: Date.now() / 1000 });
    }
    let m = /^\/backup-jobs\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const job = jobs.get(decodeURIComponent(m[1]!));
      if (!job) return error(res, 404, 'ResourceNotFoundException', `no backup job ${m[1]}`);
      job.polls++;
      const { fate, polls = 2 } = job.resource;
      const state =
        fate === 'fail' ? 'FAILED' : fate === 'complete' && job.polls >= polls ? 'COMPLETED' : 'RUNNING';
      return reply(res, 200, {
        BackupJobId: job.id,
        BackupVaultName: job.vault,
        ResourceArn: job.resource.arn,
        State: state,
        PercentDone: state === 'COMPLETED' ? '100.0' : '40.0',
        ...(state === 'FAILED' ? { StatusMessage: 'the volume is being deleted' } : {}),
        ...(state === 'COMPLETED' ? { RecoveryPointArn: job.recoveryPoint } : {}),
      });
    }
    if (req.method === 'PUT' && url.pathname === '/copy-jobs') {
      const id = randomUUID();
      copies.set(id, {
        recoveryPoint: String(body.RecoveryPointArn),
        destination: String(body.DestinationBackupVaultArn),
        polls: 0,
      });
      return reply(res, 200, { CopyJobId: id, CreationDate: Date.now() / 1000 });
    }
    m = /^\/copy-jobs\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const copy = copies.get(decodeURIComponent(m[1]!));
      if (!copy) return error(res, 404, 'ResourceNotFoundException', `no copy job ${m[1]}`);
      copy.polls++;
      const state = copy.polls >= 2 ? 'COMPLETED' : 'RUNNING';
      return reply(res, 200, {
        CopyJob: {
          CopyJobId: m[1],
          SourceRecoveryPointArn: copy.recoveryPoint,
          DestinationBackupVaultArn: copy.destination,
          State: state,
          ...(state === 'COMPLETED'
            ? { DestinationRecoveryPointArn: `${copy.destination}:copy-of:${m[1]}` }
            : {}),
        },
      });
    }
    return error(res, 404, 'UnknownOperationException', `${req.method} ${url.pathname}`);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      routes(req, text ? (JSON.parse(text) as Record<string, unknown>) : {}, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    backupJobs: () => [...started],
    copyJobs: () =>
      [...copies.values()].map(({ recoveryPoint, destination }) => ({ recoveryPoint, destination })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `rds:db` for `arn:aws:rds:…:db:name`, `ec2:volume` for `arn:aws:ec2:…:volume/vol-1`. */
function resourceType(arn: string): string {
  const [, , service, , , rest = ''] = arn.split(':');
  return `${service}:${rest.split(/[/:]/)[0]}`;
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() });
  res.end(text);
}

function error(res: http.ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ Message: message }));
}
