// The program's name and version as recorded in snapshots and printed by `stepvault version`. The manifest is
// imported as a module (not read from a path at run time) so that a bundle (the Lambda one) carries it.

import pkg from '../../package.json' with { type: 'json' };

export const VERSION = pkg.version;
export const PROGRAM = `stepvault ${VERSION}`;
