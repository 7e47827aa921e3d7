// The `s3:` scheme: `s3:BUCKET[/PREFIX]` on AWS (region from the `region` option, AWS_REGION or the bucket's own
// location) and `s3:http[s]://HOST[:PORT]/BUCKET[/PREFIX]` on any S3-compatible endpoint (path-style requests).
// Credentials come from the AWS SDK's default chain (environment, profiles, instance and container roles, SSO)
// unless the `accessKeyId`/`secretAccessKey` options (secret references in stepvault.yaml) give them. Parsing is
// pure; the SDK loads only when a backend is opened.

import { StepvaultError } from '../../common/errors.ts';
import { type Location, type LocationScheme, redactLocation } from '../location.ts';

export interface S3Location extends Location {
  readonly scheme: 's3';
  /** `http[s]://host[:port]` of an S3-compatible service; undefined on AWS. */
  readonly endpoint: string | undefined;
  readonly bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket's root. */
  readonly prefix: string;
}

const FORMS = ['s3:BUCKET[/PREFIX]', 's3:http[s]://HOST[:PORT]/BUCKET[/PREFIX]'];
/** S3's bucket naming rules: 3-63 characters, lowercase letters, digits, dots and hyphens, not an IP address. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_SEGMENT = /^[A-Za-z0-9!_.*'()@=+,;$&~-]+$/;

function invalid(text: string, why: string): StepvaultError {
  return new StepvaultError('usage', `"${text}" is not a valid S3 location: ${why}`, {
    hint: `write ${FORMS.join(' or ')}`,
  });
}

export function parseS3Location(rest: string): S3Location {
  const text = `s3:${redactLocation(rest)}`;
  let endpoint: string | undefined;
  let path = rest;
  const url = /^(https?):\/\/([^/]*)(\/.*)?$/i.exec(rest);
  // Something@ before the bucket is a user and password, whichever form: refused without being repeated.
  if ((url ? url[2]! : rest.split('/')[0]!).includes('@')) {
    throw new StepvaultError('usage', 'an S3 location must not contain credentials', {
      hint: "give them in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or as secret references under the repository's options in stepvault.yaml",
    });
  }
  if (url) {
    const [, protocol, authority, tail] = url;
    const port = /:(\d+)$/.exec(authority!)?.[1];
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(authority!) || (port && Number(port) > 65535))
      throw invalid(text, 'bad host or port');
    endpoint = `${protocol!.toLowerCase()}://${authority!.toLowerCase()}`;
    path = (tail ?? '').replace(/^\//, '');
    if (/[?#]/.test(path)) throw invalid(text, 'a location has no query or fragment');
  } else if (/^[a-z]+:/i.test(rest)) {
    throw invalid(text, 'only http:// and https:// endpoints are supported');
  }
  const [bucket = '', ...segments] = path.replace(/\/+$/, '').split('/');
  if (bucket === '') throw invalid(text, 'the bucket is missing');
  if (!BUCKET.test(bucket) || /^\d+\.\d+\.\d+\.\d+$/.test(bucket) || bucket.includes('..')) {
    throw invalid(
      text,
      `"${bucket}" is not a bucket name (3-63 lowercase letters, digits, dots and hyphens)`,
    );
  }
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || !PREFIX_SEGMENT.test(segment)) {
      throw invalid(
        text,
        `the prefix segment "${segment}" is empty, a dot path or has characters S3 keys should not`,
      );
    }
  }
  const prefix = segments.join('/');
  const canonical = `s3:${endpoint ? `${endpoint}/` : ''}${bucket}${prefix ? `/${prefix}` : ''}`;
  return { scheme: 's3', text: canonical, endpoint, bucket, prefix };
}

export const s3Scheme: LocationScheme<S3Location> = {
  scheme: 's3',
  forms: FORMS,
  options: [
    { name: 'region', description: "the bucket's region (default: AWS_REGION, or asked of the bucket)" },
    { name: 'profile', description: 'a profile of the shared AWS config and credentials files' },
    {
      name: 'accessKeyId',
      description: 'access key ID (default: the AWS SDK credential chain)',
      secret: true,
    },
    { name: 'secretAccessKey', description: 'secret access key', secret: true },
    { name: 'sessionToken', description: 'session token of temporary credentials', secret: true },
  ],
  parse: parseS3Location,
  async open(location, context) {
    const { openS3Backend } = await import('./s3-backend.ts');
    return openS3Backend(location, context);
  },
};
