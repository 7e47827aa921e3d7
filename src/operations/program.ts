// The program's name and version as recorded in snapshots and printed by `stepvault version`.

import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

export const VERSION = pkg.version;
export const PROGRAM = `stepvault ${VERSION}`;
