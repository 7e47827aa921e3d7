// Test support: the stepvault.yaml settings of a `type: confluence` source that reads a running simulator, for
// tests that write a configuration.

import type { ConfluenceSim } from '../../devtools/confluence-sim/simulator.ts';

/**
 * The source's settings, indented to sit under `sources: <name>:`; `token` is the API token's secret reference
 * in YAML flow form, e.g. `{ env: NAME }` or `{ file: ./token }`.
 */
export function simSourceYaml(sim: ConfluenceSim, token: string): string {
  return [
    '    type: confluence',
    `    site: ${sim.siteUrl}`,
    `    auth: { email: ${sim.credentials.email}, token: ${token} }`,
    `    mediaHosts: ['${new URL(sim.mediaOrigin).host}']`,
  ].join('\n');
}
