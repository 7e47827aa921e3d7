// The one table of repository location schemes, and the one parser of location strings, used by the command line,
// stepvault.yaml, plans and `copy` alike. A new backend is a folder under storage/ and one line in SCHEMES.
// A string without a scheme prefix is a local path; a prefix no scheme claims is refused with the list of
// supported ones (never taken for a directory name).

import * as os from 'node:os';
import { StepvaultError } from '../common/errors.ts';
import type { Backend } from './contract.ts';
import { localScheme } from './local/local-location.ts';
import { type Location, type LocationOptions, type LocationScheme, redactLocation } from './location.ts';
import { s3Scheme } from './s3/s3-location.ts';

const SCHEMES: readonly LocationScheme[] = [localScheme, s3Scheme];

/** `word:` at the start: a scheme (at least two characters, so nothing is mistaken for a drive letter). */
const SCHEME_PREFIX = /^([a-z][a-z0-9+.-]+):/i;

export function schemeOf(location: Location): LocationScheme {
  const scheme = SCHEMES.find((s) => s.scheme === location.scheme);
  if (!scheme) throw new StepvaultError('internal', `no location scheme "${location.scheme}"`);
  return scheme;
}

/** Every form a location can take, for help texts and errors. */
export function locationForms(): string[] {
  return SCHEMES.flatMap((s) => s.forms);
}

export function parseLocation(text: string): Location {
  const prefix = SCHEME_PREFIX.exec(text);
  if (!prefix) return localScheme.parse(text);
  const name = prefix[1]!.toLowerCase();
  const scheme = SCHEMES.find((s) => s.scheme === name);
  if (!scheme) {
    const shown = redactLocation(text);
    throw new StepvaultError('usage', `unsupported repository location "${shown}": no scheme "${name}:"`, {
      hint: `supported locations: ${locationForms().join('; ')}. A local directory whose name contains ":" is written ./${shown} or local:${shown}`,
    });
  }
  return scheme.parse(text.slice(prefix[0].length));
}

/** The options a location's scheme takes, by name (empty for schemes without any). */
export function locationOptions(location: Location): LocationScheme['options'] {
  return schemeOf(location).options;
}

/** A location written in a configuration file, made absolute against the file's folder where that applies. */
export function locationRelativeTo(location: Location, dir: string, home = os.homedir()): Location {
  const scheme = schemeOf(location);
  return scheme.relativeTo ? scheme.relativeTo(location, dir, home) : location;
}

/** Opens the backend of a location (a string is parsed first). */
export async function openLocation(
  location: Location | string,
  options: LocationOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<Backend> {
  const parsed = typeof location === 'string' ? parseLocation(location) : location;
  const scheme = schemeOf(parsed);
  for (const name of Object.keys(options)) {
    if (!scheme.options.some((o) => o.name === name)) {
      throw new StepvaultError('usage', `${parsed.text}: unknown option "${name}"`, {
        hint: scheme.options.length
          ? `${scheme.scheme}: locations take ${scheme.options.map((o) => o.name).join(', ')}`
          : `${scheme.scheme}: locations take no options`,
      });
    }
  }
  return scheme.open(parsed, { options, env });
}
