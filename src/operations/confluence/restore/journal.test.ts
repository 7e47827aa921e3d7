import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { isStepvaultError } from '../../../common/errors.ts';
import { hostDirName, journalPath, RestoreJournal, readJournal, readSiblingIdMaps } from './journal.ts';

const header = { snapshot: 'abc123', site: 'https://copy.atlassian.net', space: 'ENG' };

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-journal-'));
}

test('records survive a reopen; concurrent records are all written', async () => {
  const dir = tempDir();
  const file = journalPath(dir, header.site, header.snapshot, header.space);
  assert.equal(file, path.join(dir, 'restores', 'copy.atlassian.net', 'abc123-ENG.jsonl'));
  const journal = RestoreJournal.open(file, header);
  await journal.record({ t: 'space', key: 'ENG', id: '77', homepageId: '78', created: true });
  await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      journal.record({ t: 'item', old: String(i), new: String(1000 + i), created: i % 2 === 0 }),
    ),
  );
  await journal.record({ t: 'att', old: 'att1', new: 'att9', versions: 2 });
  await journal.record({ t: 'comment', old: '5', new: '6' });
  await journal.record({ t: 'done', step: 'body:3' });
  await journal.close();

  const again = RestoreJournal.open(file, header);
  const state = again.state;
  assert.deepEqual(state.space, { key: 'ENG', id: '77', homepageId: '78', created: true });
  assert.equal(state.items.size, 50);
  assert.equal(state.items.get('7'), '1007');
  assert.ok(state.created.has('8') && !state.created.has('7'));
  assert.deepEqual(state.attachments.get('att1'), { id: 'att9', versions: 2 });
  assert.equal(state.comments.get('5'), '6');
  assert.ok(state.done.has('body:3'));
  await again.close();
  assert.equal(readJournal(file).items.size, 50);
  // Another space's journal of the same snapshot and target gives its ids; a restore into another key not.
  const other = journalPath(dir, header.site, header.snapshot, 'OPS');
  const elsewhere = journalPath(dir, header.site, header.snapshot, 'OPS', 'COPY');
  assert.equal(path.basename(elsewhere), 'abc123-OPS-to-COPY.jsonl');
  const ops = RestoreJournal.open(other, { ...header, space: 'OPS' });
  await ops.record({ t: 'item', old: '900', new: '1900', created: true });
  await ops.close();
  const copy = RestoreJournal.open(elsewhere, { ...header, space: 'OPS' });
  await copy.record({ t: 'item', old: '900', new: '2900', created: true });
  await copy.close();
  assert.deepEqual([...readSiblingIdMaps(file, 'abc123', 'ENG')], [['900', '1900']]);
  assert.equal(readSiblingIdMaps(other, 'abc123', 'OPS').get('49'), '1049');
  assert.equal(readSiblingIdMaps(elsewhere, 'abc123', 'OPS').has('900'), false);
  assert.equal(readSiblingIdMaps(file, 'other', 'ENG').size, 0);
});

test('a torn last line is dropped; appends continue on a fresh line', async () => {
  const dir = tempDir();
  const file = journalPath(dir, header.site, header.snapshot, header.space);
  const journal = RestoreJournal.open(file, header);
  await journal.record({ t: 'item', old: '1', new: '2', created: true });
  await journal.close();
  fs.appendFileSync(file, '{"t":"item","old":"3","ne');
  const again = RestoreJournal.open(file, header);
  assert.equal(again.state.items.size, 1);
  await again.record({ t: 'item', old: '4', new: '5', created: true });
  await again.close();
  assert.deepEqual(
    [...readJournal(file).items],
    [
      ['1', '2'],
      ['4', '5'],
    ],
  );
});

test('a journal of another restore is refused; a damaged one is corrupt', async () => {
  const dir = tempDir();
  const file = journalPath(dir, header.site, header.snapshot, header.space);
  await RestoreJournal.open(file, header).close();
  assert.throws(
    () => RestoreJournal.open(file, { ...header, site: 'https://else.atlassian.net' }),
    (e) => isStepvaultError(e, 'conflict'),
  );
  fs.appendFileSync(file, 'garbage\n{"t":"done","step":"x"}\n');
  assert.throws(
    () => RestoreJournal.open(file, header),
    (e) => isStepvaultError(e, 'corrupt'),
  );
});

test('host directory names are safe', () => {
  assert.equal(hostDirName('http://127.0.0.1:8090'), '127.0.0.1_8090');
  assert.equal(hostDirName('https://ACME.atlassian.net/wiki'), 'acme.atlassian.net');
  assert.equal(hostDirName('..'), '_..');
});
