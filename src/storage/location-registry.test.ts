import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStepvaultError } from '../common/errors.ts';
import { locationForms, locationRelativeTo, openLocation, parseLocation } from './location-registry.ts';
import type { S3Location } from './s3/s3-location.ts';

describe('location registry', () => {
  it('takes a plain path or local:PATH as a local directory', () => {
    assert.deepEqual(parseLocation('/srv/repo'), {
      scheme: 'local',
      path: '/srv/repo',
      text: '/srv/repo',
    });
    assert.deepEqual(parseLocation('local:/srv/repo'), parseLocation('/srv/repo'));
    assert.equal(parseLocation('./backup:2026').text, './backup:2026');
    assert.equal(parseLocation('local:backup:2026').text, 'local:backup:2026');
    assert.equal(parseLocation('relative/dir').text, 'local:relative/dir');
  });

  it('refuses a scheme it does not know, listing the supported ones, instead of making a directory of that name', () => {
    for (const text of [
      'rclone:remote:path',
      'sftp:host:/srv',
      'b2:bucket/x',
      'rest:http://host/',
      'backup:2026',
    ]) {
      assert.throws(
        () => parseLocation(text),
        (e) =>
          isStepvaultError(e, 'usage') &&
          e.message.includes('unsupported repository location') &&
          e.hint!.includes('s3:BUCKET[/PREFIX]') &&
          e.hint!.includes('local:'),
      );
    }
    assert.ok(locationForms().some((f) => f.startsWith('s3:http')));
  });

  it('parses both S3 forms', () => {
    const aws = parseLocation('s3:my-bucket/team/stepvault/') as S3Location;
    assert.deepEqual(
      { ...aws },
      {
        scheme: 's3',
        text: 's3:my-bucket/team/stepvault',
        endpoint: undefined,
        bucket: 'my-bucket',
        prefix: 'team/stepvault',
      },
    );
    const custom = parseLocation('s3:HTTP://127.0.0.1:7480/bucket') as S3Location;
    assert.equal(custom.endpoint, 'http://127.0.0.1:7480');
    assert.equal(custom.bucket, 'bucket');
    assert.equal(custom.prefix, '');
    assert.equal(custom.text, 's3:http://127.0.0.1:7480/bucket');
    assert.equal(
      (parseLocation('s3:https://s3.example.com/b-1/x') as S3Location).endpoint,
      'https://s3.example.com',
    );
  });

  it('refuses malformed S3 locations, saying what is wrong', () => {
    const bad: [string, RegExp][] = [
      ['s3:', /bucket is missing/],
      ['s3:Bucket_Name', /not a bucket name/],
      ['s3:ab', /not a bucket name/],
      ['s3:192.168.1.1', /not a bucket name/],
      ['s3:bucket//x', /prefix segment/],
      ['s3:bucket/../x', /prefix segment/],
      ['s3:ftp://host/bucket', /only http/],
      ['s3:http://host:7480/', /bucket is missing/],
      ['s3:http://host/bucket?x=1', /query/],
    ];
    for (const [text, why] of bad) {
      assert.throws(
        () => parseLocation(text),
        (e) => isStepvaultError(e, 'usage') && why.test(e.message),
        text,
      );
    }
  });

  it('refuses credentials in a location without echoing them', () => {
    assert.throws(
      () => parseLocation('s3:https://AKIDEXAMPLE:hunter2secret@minio.example.com/bucket'),
      (e) =>
        isStepvaultError(e, 'usage') &&
        !`${e.message} ${e.hint}`.includes('hunter2secret') &&
        !`${e.message} ${e.hint}`.includes('AKIDEXAMPLE') &&
        e.hint!.includes('AWS_ACCESS_KEY_ID'),
    );
  });

  it('never repeats a user, a password or a query in its errors, whatever the form', () => {
    for (const text of [
      's3://AKIAXXXX:SuperSecret@host/bucket',
      's3:AKIA1234:SuperSecret@mybucket/p',
      'sftp://user:SuperSecret@host/repo',
      's3:https://host/bucket?X-Amz-Signature=SuperSecret',
    ]) {
      assert.throws(
        () => parseLocation(text),
        (e) => isStepvaultError(e, 'usage') && !`${e.message} ${e.hint}`.includes('SuperSecret'),
        text,
      );
    }
    assert.throws(() => parseLocation('s3:http://host:99999/bucket'), /bad host or port/);
  });

  it('canonical texts parse back to themselves', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
    const bucket = fc
      .stringMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)
      .filter((b) => !b.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(b));
    const segment = fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/).filter((s) => s !== '.' && s !== '..');
    const endpoint = fc.option(
      fc.tuple(
        fc.constantFrom('http', 'https'),
        fc.array(label, { minLength: 1, maxLength: 4 }),
        fc.option(fc.integer({ min: 1, max: 65535 })),
      ),
    );
    fc.assert(
      fc.property(
        endpoint,
        bucket,
        fc.array(segment, { maxLength: 6 }),
        fc.boolean(),
        (ep, b, prefix, slash) => {
          const host = ep ? `${ep[0]}://${ep[1].join('.')}${ep[2] === null ? '' : `:${ep[2]}`}/` : '';
          const text = `s3:${host}${b}${prefix.length ? `/${prefix.join('/')}` : ''}${slash ? '/' : ''}`;
          const parsed = parseLocation(text) as S3Location;
          assert.equal(parsed.bucket, b);
          assert.equal(parsed.prefix, prefix.join('/'));
          assert.deepEqual(parseLocation(parsed.text), parsed);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('makes local locations of a configuration file absolute, and leaves others alone', () => {
    assert.equal(
      locationRelativeTo(parseLocation('repo'), '/etc/stepvault', '/home/u').text,
      '/etc/stepvault/repo',
    );
    assert.equal(
      locationRelativeTo(parseLocation('~/repo'), '/etc/stepvault', '/home/u').text,
      '/home/u/repo',
    );
    assert.equal(locationRelativeTo(parseLocation('s3:bucket/x'), '/etc', '/home/u').text, 's3:bucket/x');
  });

  it('opens backends by scheme and refuses options the scheme does not take', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-location-'));
    try {
      const backend = await openLocation(`local:${dir}`);
      assert.equal(backend.location, dir);
      await assert.rejects(
        openLocation(dir, { region: 'eu-west-1' }),
        (e) => isStepvaultError(e, 'usage') && /unknown option "region"/.test(e.message),
      );
      await assert.rejects(
        openLocation('s3:bucket', { colour: 'blue' }),
        (e) => isStepvaultError(e, 'usage') && e.hint!.includes('accessKeyId'),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
