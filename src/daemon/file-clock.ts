// A clock for process-level tests of the daemon: its time is the ISO 8601 instant written in a file, and it
// moves only when that file is rewritten — a ManualClock another process drives. Sleepers wake when the
// file's time passes their deadline. `stepvault serve --dev-clock FILE` uses it; nothing else should.

import * as fs from 'node:fs';
import type { Clock } from '../common/clock.ts';
import { StepvaultError } from '../common/errors.ts';

export class FileClock implements Clock {
  readonly file: string;
  #now: number;
  #sleepers: { at: number; resolve: () => void }[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(file: string, pollMs = 10) {
    this.file = file;
    this.#now = FileClock.#read(file) ?? Number.NaN;
    if (Number.isNaN(this.#now)) {
      throw new StepvaultError('usage', `the clock file ${file} does not hold an ISO 8601 time`);
    }
    this.#timer = setInterval(() => this.#poll(), pollMs);
    this.#timer.unref();
  }

  now(): Date {
    return new Date(this.#now);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const sleeper = { at: this.#now + ms, resolve };
      if (ms <= 0) {
        resolve();
        return;
      }
      this.#sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #poll(): void {
    const time = FileClock.#read(this.file);
    if (time === undefined || time <= this.#now) return;
    this.#now = time;
    const due = this.#sleepers.filter((s) => s.at <= time);
    this.#sleepers = this.#sleepers.filter((s) => s.at > time);
    for (const s of due) s.resolve();
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
