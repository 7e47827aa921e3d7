// A clock for process-level tests of the daemon: its time is the ISO 8601 instant written in a file, and it
// moves only when that file is rewritten — a ManualClock another process drives. Sleepers wake when the
// file's time passes their deadline. `stepvault serve --dev-clock FILE` uses it; nothing else should.

import * as fs from 'node:fs';
import { type Clock, ManualClock } from '../common/clock.ts';
import { StepvaultError } from '../common/errors.ts';

export class FileClock implements Clock {
  readonly file: string;
  readonly #clock: ManualClock;
  readonly #timer: NodeJS.Timeout;

  constructor(file: string, pollMs = 10) {
    this.file = file;
    const start = FileClock.#read(file);
    if (start === undefined) {
      throw new StepvaultError('usage', `the clock file ${file} does not hold an ISO 8601 time`);
    }
    this.#clock = new ManualClock(start);
    this.#timer = setInterval(() => this.#poll(), pollMs);
    this.#timer.unref();
  }

  now(): Date {
    return this.#clock.now();
  }

  /** As ManualClock's, except that a sleep of no time resolves at once instead of at the next move. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 && !signal?.aborted) return Promise.resolve();
    return this.#clock.sleep(ms, signal);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  /** Moves the time forward to the file's (never back), waking the sleepers it passes. */
  #poll(): void {
    const time = FileClock.#read(this.file);
    if (time === undefined || time <= this.#clock.now().getTime()) return;
    this.#clock.set(time);
  }

  static #read(file: string): number | undefined {
    try {
      const time = Date.parse(fs.readFileSync(file, 'utf8').trim());
      return Number.isNaN(time) ? undefined : time;
    } catch {
      return undefined;
    }
  }
}
