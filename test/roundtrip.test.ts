// Round trip: arbitrary trees — unicode names, empty, multi-chunk and sparse files, hard links, permissions,
// owners, mtimes, symlinks — back up and restore identically (property-based, through the real operations on
// a local repository).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { backupFiles } from '../src/operations/backup/backup-files.ts';
import { restoreFiles } from '../src/operations/restore/restore-files.ts';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local/local-backend.ts';
import { buildTree, type Content, describeTree, type Spec } from './support/tree-fixture.ts';

const FAST_KDF = { algorithm: 'argon2id', memoryKiB: 1024, passes: 1, parallelism: 1 } as const;
const SMALL_CHUNKS = { min: 256, avg: 1024, max: 4096 };

const name = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  .filter(
    (s) => s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0') && Buffer.byteLength(s) <= 200,
  );
const mtimeUs = fc.integer({ min: 946_684_800_000_000, max: 1_900_000_000_000_000 });
const content: fc.Arbitrary<Content> = fc.oneof(
  {
    weight: 5,
    // size 'max': fast-check's default size keeps arrays to a few bytes, and files should span several chunks.
    arbitrary: fc
      .uint8Array({ maxLength: 12_000, size: 'max' })
      .map((data) => ({ kind: 'bytes' as const, data })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'bytes' as const, data: new Uint8Array(0) }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 2000, size: 'max' }), fc.integer({ min: 2, max: 12 }))
      .map(([unit, times]) => ({
        kind: 'bytes' as const,
        data: Buffer.concat(Array.from({ length: times * 8 }, () => unit)),
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(
        fc.record({
          offset: fc.integer({ min: 0, max: 3_000_000 }),
          data: fc.uint8Array({ minLength: 1, maxLength: 500 }),
        }),
        { maxLength: 3 },
      )
      .map((regions) => ({ kind: 'sparse' as const, size: 4 * 1024 * 1024, regions })),
  },
);
const file = fc.record({
  kind: fc.constant('file' as const),
  name,
  content,
  mode: fc.constantFrom(0o644, 0o600, 0o755, 0o400, 0o4755, 0o2750, 0o1777),
  uid: fc.constantFrom(0, 1000, 65534),
  gid: fc.constantFrom(0, 100, 65534),
  mtimeUs,
});
const symlink = fc.record({
  kind: fc.constant('symlink' as const),
  name,
  target: fc.constantFrom('../x', '/etc/passwd', 'sibling', 'a/b/c'),
  mtimeUs,
});
const tree = fc.letrec<{ node: Spec; children: Spec[] }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    file,
    symlink,
    fc.record({
      kind: fc.constant('dir' as const),
      name,
      mode: fc.constantFrom(0o755, 0o700, 0o555, 0o750),
      mtimeUs,
      children: tie('children'),
    }),
  ),
  children: fc.uniqueArray(tie('node'), { maxLength: 5, selector: (s) => s.name }),
})).children;

describe('backup → restore round trip', () => {
  let work: string;
  let repo: Repository;
  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-roundtrip-'));
    repo = await Repository.init(new LocalBackend(path.join(work, 'repo')), 'pw', {
      kdf: FAST_KDF,
      chunker: SMALL_CHUNKS,
      packSize: 64 * 1024,
    });
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('restores arbitrary trees identically', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        tree,
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.string({ minLength: 1, maxLength: 8 }).filter((s) => /^[a-z]+$/i.test(s)),
          ),
          { maxLength: 3 },
        ),
        async (specs, links) => {
          run++;
          const source = path.join(work, `src-${run}`);
          const target = path.join(work, `dst-${run}`);
          fs.mkdirSync(source);
          buildTree(source, specs);
          const files = [...describeTree(source)].filter(([, d]) => d.type === 'file').map(([p]) => p);
          for (const [i, linkName] of links) {
            if (files.length === 0) break;
            const to = path.join(source, `link-${linkName}`);
            if (!fs.existsSync(to)) fs.linkSync(path.join(source, files[i % files.length]!), to);
          }
          fs.chmodSync(source, 0o755);
          const expected = describeTree(source);
          const backup = await backupFiles({ paths: [source], compressionLevel: 3 }, { repo });
          assert.equal(backup.missing.length, 0, JSON.stringify(backup.missing));
          const restored = await restoreFiles(
            { snapshot: `${backup.snapshotId}:${source}`, target },
            { repo },
          );
          assert.deepEqual(restored.failed, []);
          const actual = describeTree(target);
          assert.deepEqual([...actual.keys()], [...expected.keys()]);
          for (const [p, want] of expected) {
            const got = actual.get(p)!;
            assert.deepEqual({ ...got, sparse: undefined }, { ...want, sparse: undefined }, p);
            if (want.sparse) assert.ok(got.sparse, `${p} should be restored sparse`);
          }
          fs.rmSync(source, { recursive: true, force: true });
          fs.rmSync(target, { recursive: true, force: true });
        },
      ),
      { numRuns: 25 },
    );
  });
});
