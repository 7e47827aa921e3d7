import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { smallRepository } from '../../../test/support/small-repository.ts';
import { BlobReader } from '../blob-reader.ts';
import { IngestPool } from './ingest-pool.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-pool-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('IngestPool', () => {
  it('stores files given by path and returns their chunk IDs, each file in bytes of its own', async () => {
    const { repo, index, writer } = await smallRepository();
    const pool = new IngestPool(repo, index, writer, { workers: 2 });
    try {
      const files = Array.from({ length: 40 }, (_, i) => {
        const file = path.join(dir, `f${i}`);
        fs.writeFileSync(file, randomBytes(i * 300));
        return file;
      });
      const results = await Promise.all(files.map((f) => pool.store(f, fs.statSync(f).size)));
      await pool.flush();
      await writer.flush();
      const reader = new BlobReader(repo, index);
      for (const [i, result] of results.entries()) {
        assert.equal(result.error, undefined);
        assert.equal(result.size, i * 300);
        // A view into a shared buffer would have been copied whole into every message (Node's pool is 64 KiB).
        assert.equal(result.content.buffer.byteLength, result.content.byteLength);
        const ids = Array.from({ length: result.content.length / 32 }, (_, j) =>
          Buffer.from(result.content.subarray(j * 32, j * 32 + 32)).toString('hex'),
        );
        assert.equal(ids.length, result.chunks);
        const back = Buffer.concat(await Promise.all(ids.map((id) => reader.read(id))));
        assert.ok(
          back.equals(fs.readFileSync(files[i]!)),
          `file ${i} reads back (every blob checked against its ID)`,
        );
      }
    } finally {
      await pool.close();
    }
  });
});
