import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { StepvaultError } from '../common/errors.ts';
import { Secret } from '../common/secret.ts';
import { parseLocation } from '../storage/location-registry.ts';
import { fromLocationOptions } from './from-repository.ts';

const S3 = parseLocation('s3:http://127.0.0.1:9000/bucket/repo');
const LOCAL = parseLocation('/srv/backup');

function usage(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e) => e instanceof StepvaultError && e.code === 'usage' && pattern.test(e.message));
}

describe('--from-repo location options', () => {
  it('takes credentials from STEPVAULT_FROM_AWS_* as secrets, settings from --from-option over the environment', () => {
    const options = fromLocationOptions(S3, ['region=eu-west-1', 'profile=offsite'], {
      STEPVAULT_FROM_AWS_ACCESS_KEY_ID: 'AKIDFROM',
      STEPVAULT_FROM_AWS_SECRET_ACCESS_KEY: 'from-secret',
      STEPVAULT_FROM_AWS_REGION: 'us-east-2',
      AWS_ACCESS_KEY_ID: 'AKIDDEST',
    });
    assert.ok(options.accessKeyId instanceof Secret && options.secretAccessKey instanceof Secret);
    assert.equal((options.accessKeyId as Secret).reveal(), 'AKIDFROM');
    assert.equal((options.secretAccessKey as Secret).reveal(), 'from-secret');
    assert.equal(options.region, 'eu-west-1');
    assert.equal(options.profile, 'offsite');
    assert.doesNotMatch(inspect(options), /from-secret/);
  });

  it('gives no options without variables or --from-option (the default credential chain, as for --repo)', () => {
    assert.deepEqual(fromLocationOptions(S3, [], { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' }), {});
  });

  it('ignores the variables for a location that takes no options, and refuses --from-option there', () => {
    assert.deepEqual(fromLocationOptions(LOCAL, [], { STEPVAULT_FROM_AWS_ACCESS_KEY_ID: 'x' }), {});
    usage(() => fromLocationOptions(LOCAL, ['region=x'], {}), /takes no option "region"/);
  });

  it('refuses credentials on the command line without echoing them, unknown names and malformed options', () => {
    let message = '';
    try {
      fromLocationOptions(S3, ['secretAccessKey=hunter2'], {});
    } catch (e) {
      message = `${(e as StepvaultError).message} ${(e as StepvaultError).hint}`;
    }
    assert.match(message, /credential.*STEPVAULT_FROM_AWS_SECRET_ACCESS_KEY/);
    assert.doesNotMatch(message, /hunter2/);
    usage(() => fromLocationOptions(S3, ['bucket=x'], {}), /no option "bucket"/);
    usage(() => fromLocationOptions(S3, ['region'], {}), /not NAME=VALUE/);
    usage(() => fromLocationOptions(S3, ['region='], {}), /not NAME=VALUE/);
  });

  it('refuses half an access key', () => {
    usage(
      () => fromLocationOptions(S3, [], { STEPVAULT_FROM_AWS_ACCESS_KEY_ID: 'AKID' }),
      /STEPVAULT_FROM_AWS_ACCESS_KEY_ID is set but STEPVAULT_FROM_AWS_SECRET_ACCESS_KEY is not/,
    );
  });
});
