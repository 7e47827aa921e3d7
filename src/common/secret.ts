// A secret value (a password, token or key) that cannot leak by accident: printing, logging, JSON-encoding or
// inspecting it yields "[secret]". Only `reveal()` returns the value, at the one place that hands it to a
// protocol (an HTTP header, an SMTP login). `scrub` removes revealed values from text that might echo them.

import { inspect } from 'node:util';

const SHOWN = '[secret]';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself: pass it to the protocol that needs it, never to output, errors or logs. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return SHOWN;
  }

  toJSON(): string {
    return SHOWN;
  }

  [inspect.custom](): string {
    return SHOWN;
  }

  [Symbol.toPrimitive](): string {
    return SHOWN;
  }
}

/** Replaces every occurrence of the secrets' values in `text` (e.g. a server's error message) with "[secret]". */
export function scrub(text: string, secrets: Iterable<Secret | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    const value = secret?.reveal();
    // Very short values would blank out unrelated text; they are too weak to be secrets that text could echo.
    if (value === undefined || value.length < 4) continue;
    out = out.split(value).join(SHOWN);
  }
  return out;
}
