// Repository locations: the contract of a location scheme (`local:`, `s3:`, …). A scheme parses the text after its
// prefix, names the options it takes (credentials, region, …) and opens a backend. `location-registry.ts` holds
// the one table of schemes; nothing else parses a location.

import type { Secret } from '../common/secret.ts';
import type { Backend } from './contract.ts';

/** A parsed location. `text` is its canonical form: what messages show and what parses back to the same. */
export interface Location {
  readonly scheme: string;
  readonly text: string;
}

export interface LocationOption {
  /** As written in stepvault.yaml under `repositories.<name>.options` (camelCase). */
  name: string;
  description: string;
  /** A credential: given only as a secret reference, never as a literal. */
  secret?: boolean;
}

/** Option values as configured: secrets resolved into `Secret`s, the rest plain strings. */
export type LocationOptions = Readonly<Record<string, string | Secret>>;

export interface OpenContext {
  options: LocationOptions;
  /** The environment credentials and settings are read from (the AWS SDK's variables for `s3:`). */
  env: NodeJS.ProcessEnv;
}

export interface LocationScheme<L extends Location = Location> {
  /** The prefix before the colon, e.g. "s3". */
  readonly scheme: string;
  /** The forms a location of this scheme takes, for help and error messages. */
  readonly forms: readonly string[];
  readonly options: readonly LocationOption[];
  /** Parses the text after `scheme:`; throws a `usage` StepvaultError saying what is wrong. */
  parse(rest: string): L;
  /** A location written relative to `dir` (a configuration file's folder) made absolute, where that applies. */
  relativeTo?(location: L, dir: string, home: string): L;
  /** Opens the backend. Vendor SDKs load here, on first use, not when the scheme is registered. */
  open(location: L, context: OpenContext): Promise<Backend>;
}

/** A location as it may be repeated in a message: any user and password, and any query, left out. */
export function redactLocation(text: string): string {
  // Past any schemes and slashes ("s3:", "https://"), the part before the first "/" is where a user:password@ sits.
  const lead = /^(?:[a-z][a-z0-9+.-]*:|\/\/)*/i.exec(text)![0];
  const rest = text.slice(lead.length);
  const slash = rest.indexOf('/');
  const first = slash < 0 ? rest : rest.slice(0, slash);
  const redacted = first.includes('@') ? `…@${first.slice(first.lastIndexOf('@') + 1)}` : first;
  return `${lead}${redacted}${slash < 0 ? '' : rest.slice(slash)}`.replace(/\?.*$/s, '?…');
}
