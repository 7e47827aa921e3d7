// Drives one execution in this process: feeds the interpreter the current time, task outcomes, due timers and
// messages from other processes; commits each batch of changes in one transaction; and only then carries out
// the commands (invoke handlers, cancel them). Tasks that were in flight when a previous process died are
// invoked again with the same idempotency key: delivery is at least once.

import type { Clock } from '../../common/clock.ts';
import { AslError, StatesErrors } from '../asl/errors.ts';
import { isObject, type Json, toJson } from '../asl/json.ts';
import { parseResource } from '../asl/resource.ts';
import type { ExecutionMachine } from '../interpreter/machine.ts';
import type { Command, TaskOutcome } from '../interpreter/model.ts';
import type { WorkflowStore } from '../store/workflow-store.ts';
import { type ResolvedHandler, type TaskContext, TaskFailure } from './task-registry.ts';

export interface RunnerDeps {
  store: WorkflowStore;
  clock: Clock;
  owner: string;
  /** State transitions per transaction. */
  commitEvery: number;
  /** How often to look for messages from other processes; 0 disables it. */
  pollIntervalMs: number;
  leaseMs: number;
  resolveHandler(command: Extract<Command, { kind: 'invoke' }>): ResolvedHandler | undefined;
  /** Called for commands the runner does not handle itself (distributed Map children). */
  onCommand?(runner: ExecutionRunner, command: Command): void;
  isAlive(pid: number): boolean;
}

export type Delivery =
  | { kind: 'outcome'; token: string; outcome: TaskOutcome }
  | { kind: 'heartbeat'; token: string }
  | { kind: 'stop'; error?: string; cause?: string }
  | { kind: 'call'; fn: (m: ExecutionMachine, now: number) => void | Promise<void> };

export class ExecutionRunner {
  readonly seq: number;
  readonly machine: ExecutionMachine;
  readonly #deps: RunnerDeps;
  readonly #inflight = new Map<string, AbortController>();
  #deliveries: Delivery[] = [];
  #wake: (() => void) | undefined;
  #lastPoll = 0;
  #lastLease = 0;
  #closed = false;

  constructor(seq: number, machine: ExecutionMachine, deps: RunnerDeps) {
    this.seq = seq;
    this.machine = machine;
    this.#deps = deps;
  }

  get inflight(): number {
    return this.#inflight.size;
  }

  /** Queues work for the loop (task outcomes, heartbeats, stop) and wakes it. */
  deliver(d: Delivery): void {
    this.#deliveries.push(d);
    this.#wake?.();
  }

  /** Ends the loop without touching the execution (the process is shutting down). */
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async run(): Promise<void> {
    const { store, clock } = this.#deps;
    for (const cmd of await this.machine.pendingCommands()) this.#dispatch(cmd);
    try {
      while (this.machine.running && !this.#closed) {
        const now = clock.now().getTime();
        this.#renewLease(now);
        await this.#applyDeliveries(now);
        await this.machine.fireTimers(now);
        if (this.machine.hasReadyWork()) await this.machine.runReady(now, this.#deps.commitEvery);
        this.#commit();
        if (!this.machine.running || this.#closed) break;
        if (this.machine.hasReadyWork() || this.#deliveries.length > 0) {
          await new Promise<void>((r) => setImmediate(r));
          continue;
        }
        await this.#idle(now);
      }
      this.#commit();
    } finally {
      for (const ac of this.#inflight.values()) ac.abort(new Error('the execution ended'));
      this.#inflight.clear();
      store.releaseLease(this.seq, this.#deps.owner);
    }
  }

  #renewLease(now: number): void {
    if (now - this.#lastLease < this.#deps.leaseMs / 3) return;
    this.#lastLease = now;
    const ok = this.#deps.store.acquireLease(
      this.seq,
      this.#deps.owner,
      process.pid,
      now,
      this.#deps.leaseMs,
      this.#deps.isAlive,
    );
    if (!ok) this.#closed = true;
  }

  async #applyDeliveries(now: number): Promise<void> {
    const poll = this.#deps.pollIntervalMs;
    if (poll > 0 && now - this.#lastPoll >= poll) {
      this.#lastPoll = now;
      for (const msg of this.#deps.store.takeMessages(this.seq))
        this.#deliveries.push(messageToDelivery(msg));
    }
    const batch = this.#deliveries;
    this.#deliveries = [];
    for (const d of batch) {
      if (!this.machine.running) break;
      if (d.kind === 'outcome') this.machine.deliverTaskOutcome(d.token, d.outcome, now);
      else if (d.kind === 'heartbeat') this.machine.deliverHeartbeat(d.token, now);
      else if (d.kind === 'stop') await this.machine.stop(now, d.error, d.cause);
      else await d.fn(this.machine, now);
    }
  }

  #commit(): void {
    const changes = this.machine.takeChanges();
    const empty =
      changes.events.length === 0 &&
      changes.scopes.length === 0 &&
      changes.deletedScopes.length === 0 &&
      changes.blobs.length === 0 &&
      changes.deletedBlobs.length === 0;
    if (!empty) this.#deps.store.applyChanges(this.seq, changes);
    for (const cmd of changes.commands) this.#dispatch(cmd);
  }

  async #idle(now: number): Promise<void> {
    const deadline = this.machine.nextDeadline();
    let ms = deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, deadline - now);
    if (this.#deps.pollIntervalMs > 0) ms = Math.min(ms, this.#deps.pollIntervalMs);
    ms = Math.min(ms, this.#deps.leaseMs / 3);
    const ac = new AbortController();
    const woken = new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    await Promise.race([woken, this.#deps.clock.sleep(ms, ac.signal).catch(() => undefined)]);
    this.#wake = undefined;
    ac.abort();
  }

  #dispatch(cmd: Command): void {
    if (cmd.kind === 'cancel') {
      this.#inflight.get(cmd.token)?.abort(new Error(`task ${cmd.reason}`));
      this.#inflight.delete(cmd.token);
      this.#deps.onCommand?.(this, cmd);
      return;
    }
    if (cmd.kind !== 'invoke') {
      this.#deps.onCommand?.(this, cmd);
      return;
    }
    const handler = this.#deps.resolveHandler(cmd);
    if (!handler) {
      const info = parseResource(cmd.resource);
      const fn =
        isObject(cmd.parameters) && typeof cmd.parameters.FunctionName === 'string'
          ? ` (FunctionName '${cmd.parameters.FunctionName}')`
          : '';
      this.deliver({
        kind: 'outcome',
        token: cmd.token,
        outcome: {
          ok: false,
          error: StatesErrors.TaskFailed,
          cause: `No handler is registered for the resource '${info?.arn ?? cmd.resource}'${fn}.`,
        },
      });
      return;
    }
    const ac = new AbortController();
    this.#inflight.set(cmd.token, ac);
    const ctx: TaskContext = {
      signal: ac.signal,
      heartbeat: () => this.deliver({ kind: 'heartbeat', token: cmd.token }),
      taskToken: cmd.token,
      executionId: this.machine.header.executionArn,
      stateName: cmd.stateName,
      resource: cmd.resource,
      attempt: cmd.attempt,
      idempotencyKey: cmd.idempotencyKey,
    };
    handler.invoke(cmd.parameters, ctx).then(
      (output) => {
        if (ac.signal.aborted) return;
        this.#inflight.delete(cmd.token);
        if (cmd.waitForTaskToken) return;
        this.deliver({
          kind: 'outcome',
          token: cmd.token,
          outcome: { ok: true, output: toJson(output ?? null) },
        });
      },
      (err: unknown) => {
        if (ac.signal.aborted) return;
        this.#inflight.delete(cmd.token);
        this.deliver({ kind: 'outcome', token: cmd.token, outcome: failureOf(err) });
      },
    );
  }
}

export function failureOf(err: unknown): TaskOutcome {
  if (err instanceof TaskFailure) return { ok: false, error: err.error, cause: err.causeText };
  if (err instanceof AslError) return { ok: false, error: err.error, cause: err.cause };
  if (err instanceof Error) return { ok: false, error: err.name || 'Error', cause: err.message };
  return { ok: false, error: 'Error', cause: String(err) };
}

function messageToDelivery(msg: { kind: string; token: string | null; body: Json }): Delivery {
  const body = isObject(msg.body) ? msg.body : {};
  switch (msg.kind) {
    case 'task-success':
      return { kind: 'outcome', token: msg.token ?? '', outcome: { ok: true, output: body.output ?? null } };
    case 'task-failure':
      return {
        kind: 'outcome',
        token: msg.token ?? '',
        outcome: {
          ok: false,
          error: typeof body.error === 'string' ? body.error : '',
          cause: typeof body.cause === 'string' ? body.cause : undefined,
        },
      };
    case 'task-heartbeat':
      return { kind: 'heartbeat', token: msg.token ?? '' };
    default:
      return {
        kind: 'stop',
        ...(typeof body.error === 'string' ? { error: body.error } : {}),
        ...(typeof body.cause === 'string' ? { cause: body.cause } : {}),
      };
  }
}
