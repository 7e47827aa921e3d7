// Parsers for command-line option values: each rejects bad input with a usage error that says what was wrong.

import { StepvaultError } from '../common/errors.ts';

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function integer(name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value))
      throw new StepvaultError('usage', `${name} must be a whole number, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max)
      throw new StepvaultError('usage', `${name} must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

/** A count for --keep-* options: a whole number >= 0, or -1 / "unlimited". */
export function keepCount(name: string) {
  return (value: string): number => (value === 'unlimited' ? -1 : integer(name, -1)(value));
}

export function choice<T extends string>(name: string, allowed: readonly T[]) {
  return (value: string): T => {
    if (!allowed.includes(value as T)) {
      throw new StepvaultError('usage', `${name} must be one of ${allowed.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}
