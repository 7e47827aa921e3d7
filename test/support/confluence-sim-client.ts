// Test support: the options of a Confluence client wired to a running simulator (site Basic auth, the
// simulator's media host, a clock whose sleeps pass at once), for tests that back up or restore through the
// real client.

import type { ConfluenceSim } from '../../src/devtools/confluence-sim/simulator.ts';
import { instantClock } from '../../src/sources/confluence/client/client.test-helper.ts';
import type { ConfluenceClientOptions } from '../../src/sources/confluence/client/client-options.ts';

export function simClientOptions(
  sim: ConfluenceSim,
  extra: Partial<ConfluenceClientOptions> = {},
): ConfluenceClientOptions {
  return {
    baseUrl: sim.siteUrl,
    auth: { kind: 'basic', email: sim.credentials.email, apiToken: sim.credentials.apiToken },
    mediaHosts: [new URL(sim.mediaOrigin).host],
    clock: instantClock(),
    ...extra,
  };
}
