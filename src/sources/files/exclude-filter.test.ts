import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExcludeFilter } from './exclude-filter.ts';

describe('ExcludeFilter', () => {
  it('matches unanchored patterns at any depth', () => {
    const f = new ExcludeFilter(['*.tmp', 'node_modules', 'cache/*.bin']);
    assert.ok(f.excludes('/home/u/a.tmp'));
    assert.ok(f.excludes('/a.tmp'));
    assert.ok(f.excludes('/x/y/node_modules'));
    assert.ok(f.excludes('/x/cache/blob.bin'));
    assert.ok(!f.excludes('/x/cache/sub/blob.bin'));
    assert.ok(!f.excludes('/home/u/a.txt'));
    assert.ok(!f.excludes('/x/node_modules_old'));
  });

  it('anchors patterns that start with a slash', () => {
    const f = new ExcludeFilter(['/srv/tmp', '/var/**/*.log']);
    assert.ok(f.excludes('/srv/tmp'));
    assert.ok(!f.excludes('/other/srv/tmp'));
    assert.ok(f.excludes('/var/a/b/c.log'));
  });

  it('lets a later negation re-include, last match wins', () => {
    const f = new ExcludeFilter(['*.log', '!important.log']);
    assert.ok(f.excludes('/a/debug.log'));
    assert.ok(!f.excludes('/a/important.log'));
  });

  it('matches dot files and trailing-slash directory patterns', () => {
    const f = new ExcludeFilter(['.cache/', '*.swp']);
    assert.ok(f.excludes('/home/u/.cache'));
    assert.ok(f.excludes('/home/u/.x.swp'));
  });
});
