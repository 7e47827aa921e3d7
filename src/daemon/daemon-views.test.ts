import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutCredentials } from './daemon-views.ts';

describe('withoutCredentials', () => {
  it('leaves out the whole user:password part, also when the password holds an @', () => {
    assert.equal(
      withoutCredentials('s3:https://AKIDEXAMPLE:se@cr@et@minio.example.com/bucket/prefix'),
      's3:https://minio.example.com/bucket/prefix',
    );
    assert.equal(withoutCredentials('https://user:pw@acme.atlassian.net'), 'https://acme.atlassian.net');
  });

  it('leaves locations without credentials alone', () => {
    assert.equal(withoutCredentials('/srv/backup/repo'), '/srv/backup/repo');
    assert.equal(withoutCredentials('s3:bucket/prefix@2'), 's3:bucket/prefix@2');
    assert.equal(
      withoutCredentials('s3:https://minio.example.com/bucket/a@b'),
      's3:https://minio.example.com/bucket/a@b',
    );
  });
});
