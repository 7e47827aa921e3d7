// What the daemon reports as it works (runs started, skipped, stopped and ended; restores; reloads; errors):
// structured events that the command line prints as log lines. The daemon itself never prints.

export type DaemonEventLevel = 'info' | 'warn' | 'error';

export interface DaemonEvent {
  /** The clock's time, ISO 8601. */
  time: string;
  level: DaemonEventLevel;
  /** A stable name: `run.started`, `run.skipped`, `config.reloaded`, … */
  event: string;
  /** One line for people (never a secret). */
  message: string;
  fields: Record<string, string | number | boolean | null>;
}

export type DaemonEventSink = (event: DaemonEvent) => void;
