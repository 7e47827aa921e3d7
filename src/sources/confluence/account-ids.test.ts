import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccountIds } from './account-ids.ts';

test('finds authors, owners, restriction users, user principals and mentions, at any depth', () => {
  const ids = new AccountIds();
  const item = {
    id: '1',
    authorId: 'a-author',
    ownerId: 'a-owner',
    version: { number: 2, authorId: 'a-editor' },
  };
  assert.equal(ids.see(item), item);
  ids.see({
    labels: [],
    restrictions: {
      read: { users: ['a-reader'], groups: [{ id: 'g1' }] },
      update: { users: [], groups: [] },
    },
  });
  ids.see({
    permissions: [{ principal: { type: 'user', id: 'a-admin' } }, { principal: { type: 'group', id: 'g2' } }],
  });
  ids.see([{ authorId: 'a-commenter', replies: [{ authorId: 'a-replier', replies: [] }] }]);
  ids.see({
    version: { number: 1 },
    storage: '<p><ac:link><ri:user ri:account-id="a-old-mention" /></ac:link></p>',
  });
  ids.seeBody('<ac:link><ri:user ri:account-id = "a-mention"/></ac:link><ri:user ri:userkey="legacy"/>');
  // An app's property value is its own JSON, and an id must look like one.
  ids.see({
    properties: [{ key: 'app.data', value: { accountId: 'a-from-an-app', users: ['a-app-user'] } }],
  });
  ids.see({ authorId: 'not an id <script>' });
  assert.deepEqual(ids.ids(), [
    'a-admin',
    'a-author',
    'a-commenter',
    'a-editor',
    'a-mention',
    'a-old-mention',
    'a-owner',
    'a-reader',
    'a-replier',
  ]);
});
