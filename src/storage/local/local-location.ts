// The `local:` scheme: a directory on this machine, written `local:/path` or as a plain path.

import * as path from 'node:path';
import { StepvaultError } from '../../common/errors.ts';
import type { Location, LocationScheme } from '../location.ts';
import { LocalBackend } from './local-backend.ts';

export interface LocalLocation extends Location {
  readonly scheme: 'local';
  /** As given: relative paths are relative to the working directory (or the configuration file's folder). */
  readonly path: string;
}

/** The canonical text is the path itself where nothing could take it for another scheme (absolute or ./). */
export function localLocation(p: string): LocalLocation {
  return { scheme: 'local', path: p, text: /^\.{0,2}\//.test(p) ? p : `local:${p}` };
}

export const localScheme: LocationScheme<LocalLocation> = {
  scheme: 'local',
  forms: ['/path/to/dir (or local:/path/to/dir)'],
  options: [],
  parse(rest) {
    if (rest === '' || rest.includes('\0')) {
      throw new StepvaultError('usage', `"local:${rest}" is not a directory path`, {
        hint: 'write local:/path/to/repository, or the path alone',
      });
    }
    return localLocation(rest);
  },
  relativeTo(location, dir, home) {
    const p = location.path;
    return localLocation(
      p === '~' || p.startsWith('~/') ? path.join(home, p.slice(1)) : path.resolve(dir, p),
    );
  },
  async open(location) {
    return new LocalBackend(location.path);
  },
};
