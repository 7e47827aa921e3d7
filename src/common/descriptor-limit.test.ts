import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { descriptorLimit, descriptorShare } from './descriptor-limit.ts';

describe('descriptorLimit', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-limits-'));
  const limits = (line: string) => {
    const file = path.join(dir, 'limits');
    fs.writeFileSync(
      file,
      `Limit                     Soft Limit           Hard Limit           Units\nMax cpu time              unlimited            unlimited            seconds\n${line}\n`,
    );
    return file;
  };

  it('reads the soft limit of open files', () => {
    assert.equal(
      descriptorLimit(limits('Max open files            4096                 524288               files')),
      4096,
    );
    assert.equal(
      descriptorLimit(limits('Max open files            unlimited            unlimited            files')),
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('assumes 1024 when the limit cannot be read', () => {
    assert.equal(descriptorLimit(path.join(dir, 'missing')), 1024);
    assert.equal(
      descriptorLimit(
        limits('Max processes             100                  100                  processes'),
      ),
      1024,
    );
  });

  it("this process's own limit is a positive number", () => {
    assert.ok(descriptorLimit() > 0);
  });

  it('shares a part of the limit within bounds', () => {
    assert.equal(descriptorShare(1 / 4, 64, 4096, 20000), 4096);
    assert.equal(descriptorShare(1 / 4, 64, 4096, 1024), 256);
    assert.equal(descriptorShare(1 / 4, 64, 4096, 100), 64);
  });
});
