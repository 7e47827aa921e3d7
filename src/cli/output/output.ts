// Everything the CLI prints goes through here. Three modes, like restic: on a terminal, progress is one line on
// stderr redrawn in place; piped, progress is a plain line every few seconds; with --json, stdout carries only
// JSON Lines, each with a `message_type` ("status", "error", "summary", and per-command data types).

import type { StepvaultError } from '../../common/errors.ts';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  /**
   * Called once when stdout's reader goes away (EPIPE: `stepvault ls | head`). From then on nothing more is
   * written to that stream, and nothing is said about it.
   */
  onClosed?: () => void;
  /** Progress interval when stderr is not a terminal (ms). @default 10000 */
  plainInterval?: number;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

export interface Status {
  /** One line for people. */
  text: string;
  /** The same as JSON fields (without message_type). */
  fields: Record<string, unknown>;
}

export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly #out: NodeJS.WriteStream;
  readonly #err: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #plainInterval: number;
  #lastStatus = 0;
  #statusShown = false;
  #outClosed = false;
  #errClosed = false;

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.quiet = options.quiet;
    this.#out = options.stdout ?? process.stdout;
    this.#err = options.stderr ?? process.stderr;
    this.#tty = this.#err.isTTY === true;
    this.#plainInterval = options.plainInterval ?? 10_000;
    // A stand-in stream that only collects text has no events, and cannot fail this way.
    this.#out.on?.('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      if (this.#outClosed) return;
      this.#outClosed = true;
      options.onClosed?.();
    });
    this.#err.on?.('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      this.#errClosed = true;
    });
    // Piped, the first progress line comes only after one interval: short commands print none.
    if (!this.json && !this.#tty) this.#lastStatus = Date.now();
  }

  /** A line of human output on stdout (not in --json mode). */
  line(text = ''): void {
    if (this.json) return;
    this.#clearStatus();
    this.#write(`${text}\n`);
  }

  /** A JSON Lines message (only in --json mode). */
  message(type: string, fields: Record<string, unknown>): void {
    if (!this.json) return;
    this.#write(`${JSON.stringify({ message_type: type, ...fields })}\n`);
  }

  /** Data that both modes print: text for people, a JSON message for programs. */
  item(type: string, fields: Record<string, unknown>, text: string): void {
    if (this.json) this.message(type, fields);
    else this.line(text);
  }

  /** Progress: call as often as you like, it is throttled here. `final` forces it out. */
  status(make: () => Status, final = false): void {
    if (this.quiet) return;
    const now = Date.now();
    const interval = this.json ? 1000 : this.#tty ? 200 : this.#plainInterval;
    if (!final && now - this.#lastStatus < interval) return;
    this.#lastStatus = now;
    const status = make();
    if (this.json) this.message('status', status.fields);
    else if (this.#tty) {
      const width = this.#err.columns ?? 100;
      this.#writeErr(`\r\x1b[K${status.text.slice(0, width - 1)}`);
      this.#statusShown = true;
    } else this.#writeErr(`${status.text}\n`);
  }

  /** A warning for people on stderr, or an "error" message (not fatal) in --json mode. */
  warn(text: string, fields: Record<string, unknown> = {}): void {
    if (this.json) {
      this.message('error', { error: { message: text }, ...fields });
      return;
    }
    this.#clearStatus();
    this.#writeErr(`warning: ${text}\n`);
  }

  /** The fatal error that ends the command. */
  fatal(error: StepvaultError, exitCode: number): void {
    if (this.json) {
      this.message('exit_error', {
        code: exitCode,
        error_code: error.code,
        message: error.message,
        ...(error.hint ? { hint: error.hint } : {}),
      });
      return;
    }
    this.#clearStatus();
    this.#writeErr(`stepvault: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
  }

  done(): void {
    this.#clearStatus();
  }

  #clearStatus(): void {
    if (this.#statusShown) {
      this.#writeErr('\r\x1b[K');
      this.#statusShown = false;
    }
  }

  /** Whether stdout's reader went away. */
  get closed(): boolean {
    return this.#outClosed;
  }

  #write(text: string): void {
    if (!this.#outClosed) this.#out.write(text);
  }

  #writeErr(text: string): void {
    if (!this.#errClosed) this.#err.write(text);
  }
}
