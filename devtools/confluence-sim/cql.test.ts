// The CQL subset: fields, operators, boolean logic, dates (UTC, minute granularity, now()), ordering, and
// errors for what it does not understand.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CqlItem, parseCql } from './cql.ts';

const NOW = Date.UTC(2026, 4, 10, 12, 0);

function item(over: Partial<CqlItem>): CqlItem {
  return {
    type: 'page',
    id: '10',
    spaceKey: 'ENG',
    title: 'Release Plan',
    labels: ['howto'],
    created: Date.UTC(2026, 0, 1),
    modified: Date.UTC(2026, 4, 9, 8, 30, 15),
    creator: 'u1',
    parentId: '5',
    ancestorIds: ['1', '5'],
    containerId: undefined,
    text: () => 'The body mentions rollback.',
    ...over,
  };
}

function matches(cql: string, it: CqlItem): boolean {
  return parseCql(cql, NOW).matches(it);
}

test('fields and operators', () => {
  const it = item({});
  assert.ok(matches('type = page', it));
  assert.ok(!matches('type = blogpost', it));
  assert.ok(matches('type in (blogpost, page)', it));
  assert.ok(matches('type not in (blogpost, comment)', it));
  assert.ok(matches('space = eng', it), 'keys compare case-insensitively');
  assert.ok(matches('title ~ "release"', it));
  assert.ok(matches('title !~ "budget"', it));
  assert.ok(matches('title = "Release Plan"', it));
  assert.ok(matches('text ~ rollback', it));
  assert.ok(matches('label = howto', it));
  assert.ok(!matches('label != howto', it));
  assert.ok(matches('ancestor = 1 and parent = 5', it));
  assert.ok(matches('id in (9, 10)', it));
  assert.ok(matches('creator = u1', it));
});

test('boolean logic with parentheses and not', () => {
  const it = item({});
  assert.ok(matches('type = blogpost or (space = ENG and not label = draft)', it));
  assert.ok(!matches('not (type = page)', it));
  assert.ok(matches('TYPE = page AND space = ENG', it), 'keywords and fields ignore case');
});

test('dates are UTC with minute granularity; now() takes offsets', () => {
  const it = item({});
  assert.ok(matches('lastmodified >= "2026/05/09 08:30"', it));
  assert.ok(!matches('lastmodified >= "2026/05/09 08:31"', it));
  assert.ok(matches('lastmodified = "2026/05/09 08:30"', it));
  assert.ok(matches('created < "2026-01-02"', it));
  assert.ok(matches('lastmodified > now("-2d")', it));
  assert.ok(!matches('lastmodified > now("-1h")', it));
  assert.ok(matches('lastmodified < now()', it));
});

test('order by one field; errors for what the subset does not know', () => {
  assert.deepEqual(parseCql('type = page order by lastmodified desc', NOW).order, {
    field: 'lastmodified',
    descending: true,
  });
  assert.deepEqual(parseCql('type = page order by created', NOW).order, {
    field: 'created',
    descending: false,
  });
  assert.deepEqual(parseCql('type = page', NOW).order, { field: 'id', descending: false });
  for (const bad of [
    '',
    'colour = red',
    'type = ',
    'type = page and',
    '(type = page',
    'type page',
    'lastmodified > "yesterday"',
    'type = page order by colour',
    'type = "unterminated',
    'type = whitebored',
    'type in (page, foo)',
  ]) {
    assert.throws(() => parseCql(bad, NOW), Error, bad);
  }
});

test('a type the site does not know is an error, as on Cloud', () => {
  assert.ok(parseCql('type in (folder, database)', NOW).matches(item({ type: 'database' })));
  assert.throws(
    () => parseCql('type in (folder, database)', NOW, ['page', 'folder']),
    /Unknown content type database/,
  );
});

test('a query bound to spaces and types by its top-level and says so, so a search can skip the rest', () => {
  const bounds = (cql: string) => {
    const b = parseCql(cql, 0).bounds;
    return { spaceKeys: b.spaceKeys && [...b.spaceKeys].sort(), types: b.types && [...b.types].sort() };
  };
  assert.deepEqual(bounds('space = "eng" and type in (page, blogpost)'), {
    spaceKeys: ['ENG'],
    types: ['blogpost', 'page'],
  });
  assert.deepEqual(bounds('space in (ENG, OPS) and title ~ "x" and space = ops'), {
    spaceKeys: ['OPS'],
    types: undefined,
  });
  assert.deepEqual(bounds('space = ENG or type = page'), { spaceKeys: undefined, types: undefined });
  assert.deepEqual(bounds('not space = ENG and type != page'), { spaceKeys: undefined, types: undefined });
});
