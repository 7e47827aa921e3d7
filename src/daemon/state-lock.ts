// One daemon per state directory: `daemon.pid` is created exclusively and holds the owner's pid. A second
// `stepvault serve` on the same directory is refused while the owner lives; the file of a process that died
// (SIGKILL, power loss) is taken over.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { StepvaultError } from '../common/errors.ts';

export const STATE_LOCK_NAME = 'daemon.pid';

export interface StateLock {
  release(): void;
}

export function acquireStateLock(stateDir: string, isAlive: (pid: number) => boolean): StateLock {
  const file = path.join(stateDir, STATE_LOCK_NAME);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      return {
        release: () => {
          if (ownerOf(file) === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StepvaultError('io', `cannot create ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`, {
          hint: 'check that the state directory is writable',
        });
      }
    }
    const owner = ownerOf(file);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      throw new StepvaultError(
        'locked',
        `another stepvault serve (pid ${owner}) uses the state directory ${stateDir}`,
        {
          hint: 'stop it first, or give this one another server.stateDir',
        },
      );
    }
    fs.rmSync(file, { force: true });
  }
  throw new StepvaultError(
    'locked',
    `cannot take the state directory ${stateDir}: ${file} keeps coming back`,
  );
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
