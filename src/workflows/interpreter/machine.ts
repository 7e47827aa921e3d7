// The deterministic interpreter of one execution. It never reads the clock, timers or I/O: the driver passes
// `now`, delivers task outcomes and due timers, and takes back the resulting changes (history events, scope and
// blob updates) and commands (invoke a handler, cancel one). Given the same deliveries it produces the same
// history, so a run can be replayed, and after a crash it continues from the last committed changes.

import type { State } from '../asl/definition.ts';
import { AslError, StatesErrors } from '../asl/errors.ts';
import type { Json, JsonObject } from '../asl/json.ts';
import type { CompiledDefinition } from './compiled.ts';
import { abortScope, enterState, failExecution, resumeScope } from './flow.ts';
import type { Command, ExecutionHeader, HistoryEvent, Scope, TaskOutcome } from './model.ts';
import { redriveExecution } from './redrive.ts';
import type { EnvSource } from './scope-env.ts';
import { deliverChildResult, deliverItems, deliverResultsWritten } from './states/distributed-map.ts';
import { pendingDistributedCommands } from './states/distributed-map-commands.ts';
import { fireTaskTimeout, recordTaskOutcome } from './states/task-outcome.ts';

export interface MachineSnapshot {
  header: ExecutionHeader;
  scopes: Scope[];
  blobs: [string, Json][];
}

export interface Changes {
  header: ExecutionHeader;
  events: HistoryEvent[];
  scopes: Scope[];
  deletedScopes: string[];
  blobs: [string, Json][];
  deletedBlobs: string[];
  commands: Command[];
}

export class ExecutionMachine implements EnvSource {
  readonly def: CompiledDefinition;
  header: ExecutionHeader;
  readonly scopes = new Map<string, Scope>();
  readonly blobs = new Map<string, Json>();
  now = 0;
  readonly children = new Map<string, Set<string>>();
  readonly tokens = new Map<string, string>();
  readonly deadlines = new Map<string, number>();
  #queue: string[] = [];
  #events: HistoryEvent[] = [];
  #commands: Command[] = [];
  #dirty = new Set<string>();
  #deleted = new Set<string>();
  #dirtyBlobs = new Set<string>();
  #deletedBlobs = new Set<string>();

  constructor(def: CompiledDefinition, snapshot: MachineSnapshot) {
    this.def = def;
    this.header = snapshot.header;
    for (const [k, v] of snapshot.blobs) this.blobs.set(k, v);
    for (const scope of snapshot.scopes) {
      this.scopes.set(scope.id, scope);
      this.#index(scope);
    }
    for (const scope of snapshot.scopes)
      if (scope.status === 'running' && isRunnable(scope)) this.enqueue(scope);
  }

  /** Starts a new execution: records ExecutionStarted and positions the top-level scope at StartAt. */
  static start(def: CompiledDefinition, header: ExecutionHeader, now: number): ExecutionMachine {
    const m = new ExecutionMachine(def, { header, scopes: [], blobs: [] });
    m.now = now;
    const details: JsonObject = {
      input: JSON.stringify(header.input),
      inputDetails: { truncated: false },
      roleArn: header.roleArn,
    };
    if (def.definition.TimeoutSeconds !== undefined) {
      m.header.timeoutAt = now + def.definition.TimeoutSeconds * 1000;
      details.timeoutInSeconds = def.definition.TimeoutSeconds;
    }
    const id = m.emit(null, 'ExecutionStarted', 'executionStartedEventDetails', details);
    const root = m.newScope({ parentId: null, block: '', index: 0, input: header.input });
    root.lastEventId = id === 1 ? 0 : id;
    m.enqueue(root);
    return m;
  }

  get running(): boolean {
    return this.header.status === 'RUNNING';
  }

  // ---- building blocks used by flow.ts and the state implementations ----

  emit(scope: Scope | null, type: string, detailsKey?: string, details?: JsonObject): number {
    const terminal = type.startsWith('Execution');
    if (!terminal && this.header.eventCount >= this.header.maxEvents - 1) {
      throw new AslError(
        StatesErrors.Runtime,
        `The execution reached the maximum number of history events (${this.header.maxEvents}).`,
      );
    }
    const id = ++this.header.eventCount;
    const event: HistoryEvent = {
      id,
      previousEventId: scope?.lastEventId ?? id - 1,
      type,
      timestamp: this.now,
    };
    if (type === 'ExecutionStarted') event.previousEventId = 0;
    if (detailsKey) {
      event.detailsKey = detailsKey;
      event.details = details ?? {};
    }
    this.#events.push(event);
    if (scope) {
      scope.lastEventId = id;
      this.touch(scope);
    }
    return id;
  }

  newScope(init: {
    parentId: string | null;
    block: string;
    index: number;
    input: Json;
    mapItem?: Scope['mapItem'];
  }): Scope {
    const block = this.def.block(init.block);
    const scope: Scope = {
      id: `s${++this.header.scopeSeq}`,
      parentId: init.parentId,
      block: init.block,
      index: init.index,
      status: 'running',
      state: block.startAt,
      input: init.input,
      phase: { kind: 'enter' },
      vars: {},
      lastEventId: 0,
      enteredEventId: 0,
      enteredTime: this.now,
      retryCount: 0,
      retrierAttempts: [],
      visits: 0,
    };
    if (init.mapItem) {
      scope.mapItem = init.mapItem;
      scope.started = false;
    }
    if (init.parentId !== null) scope.lastEventId = this.scopes.get(init.parentId)?.lastEventId ?? 0;
    this.scopes.set(scope.id, scope);
    this.#index(scope);
    this.touch(scope);
    return scope;
  }

  deleteScope(scope: Scope): void {
    this.scopes.delete(scope.id);
    this.children.get(scope.parentId ?? '')?.delete(scope.id);
    this.children.delete(scope.id);
    this.deadlines.delete(scope.id);
    if (scope.phase.kind === 'task') this.tokens.delete(scope.phase.token);
    this.#dirty.delete(scope.id);
    this.#deleted.add(scope.id);
  }

  childrenOf(scope: Scope): Scope[] {
    const ids = this.children.get(scope.id);
    if (!ids) return [];
    const out: Scope[] = [];
    for (const id of ids) {
      const s = this.scopes.get(id);
      if (s) out.push(s);
    }
    return out.sort((a, b) => a.index - b.index);
  }

  parentOf(scope: Scope): Scope | undefined {
    return scope.parentId === null ? undefined : this.scopes.get(scope.parentId);
  }

  /** Marks a scope changed: it is persisted with the next changes, and its timers are re-indexed. */
  touch(scope: Scope): void {
    if (!this.scopes.has(scope.id)) return;
    this.#dirty.add(scope.id);
    const p = scope.phase;
    let due: number | undefined;
    if (scope.status === 'running') {
      if (p.kind === 'timer' && !p.fired) due = p.dueAt;
      if (p.kind === 'task' && !p.outcome) {
        due = Math.min(p.timeoutAt ?? Number.POSITIVE_INFINITY, p.heartbeatAt ?? Number.POSITIVE_INFINITY);
        if (!Number.isFinite(due)) due = undefined;
      }
    }
    if (due === undefined) this.deadlines.delete(scope.id);
    else this.deadlines.set(scope.id, due);
    if (p.kind === 'task' && scope.status === 'running' && !p.outcome) this.tokens.set(p.token, scope.id);
  }

  enqueue(scope: Scope): void {
    this.#queue.push(scope.id);
  }

  command(cmd: Command): void {
    this.#commands.push(cmd);
  }

  putBlob(key: string, value: Json): void {
    this.blobs.set(key, value);
    this.#deletedBlobs.delete(key);
    this.#dirtyBlobs.add(key);
  }

  deleteBlob(key: string): void {
    if (!this.blobs.delete(key)) return;
    this.#dirtyBlobs.delete(key);
    this.#deletedBlobs.add(key);
  }

  state(scope: Scope): State {
    return this.def.state(scope.block, scope.state);
  }

  // ---- driver interface ----

  /** Runs ready scopes until none is left or `budget` states were entered; returns the number entered. */
  async runReady(now: number, budget = Number.POSITIVE_INFINITY): Promise<number> {
    this.now = now;
    let entered = 0;
    while (this.#queue.length > 0 && entered < budget && this.running) {
      const scope = this.scopes.get(this.#queue.shift()!);
      while (scope && scope.status === 'running' && this.running && isRunnable(scope) && entered < budget) {
        if (scope.phase.kind === 'enter') entered++;
        try {
          await (scope.phase.kind === 'enter' ? enterState(this, scope) : resumeScope(this, scope));
        } catch (e) {
          await this.#crashScope(scope, e);
        }
      }
      if (scope && scope.status === 'running' && isRunnable(scope)) this.#queue.unshift(scope.id);
    }
    return entered;
  }

  /** An interpreter bug must not leave the execution half-done: it fails with States.Runtime instead. */
  async #crashScope(scope: Scope, e: unknown): Promise<void> {
    const message = e instanceof Error ? e.message : String(e);
    await failExecution(this, scope, { error: StatesErrors.Runtime, cause: `Internal error: ${message}` });
  }

  hasReadyWork(): boolean {
    return this.#queue.length > 0 && this.running;
  }

  /** Phase one of a task outcome: records the Task...Succeeded/Failed event; the scope continues in runReady. */
  deliverTaskOutcome(token: string, outcome: TaskOutcome, now: number): boolean {
    this.now = now;
    const scope = this.#taskScope(token);
    if (!scope) return false;
    recordTaskOutcome(this, scope, outcome);
    return true;
  }

  /** Extends a waiting task's heartbeat deadline; false if the token is unknown or no longer waiting. */
  deliverHeartbeat(token: string, now: number): boolean {
    this.now = now;
    const scope = this.#taskScope(token);
    if (scope?.phase.kind !== 'task') return false;
    if (scope.phase.heartbeatSeconds !== undefined)
      scope.phase.heartbeatAt = now + scope.phase.heartbeatSeconds * 1000;
    this.touch(scope);
    return true;
  }

  #taskScope(token: string): Scope | undefined {
    const id = this.tokens.get(token);
    const scope = id === undefined ? undefined : this.scopes.get(id);
    if (scope?.status !== 'running' || scope.phase.kind !== 'task' || scope.phase.token !== token)
      return undefined;
    return scope.phase.outcome ? undefined : scope;
  }

  /** The earliest pending deadline (waits, retry backoff, task and execution timeouts). */
  nextDeadline(): number | undefined {
    let next = this.running ? this.header.timeoutAt : undefined;
    for (const due of this.deadlines.values()) if (next === undefined || due < next) next = due;
    return next;
  }

  /** Fires every deadline at or before `now`. */
  async fireTimers(now: number): Promise<void> {
    this.now = now;
    if (!this.running) return;
    if (this.header.timeoutAt !== undefined && this.header.timeoutAt <= now) {
      const root = [...this.scopes.values()].find((s) => s.parentId === null);
      await failExecution(
        this,
        root ?? null,
        {
          error: StatesErrors.Timeout,
          cause: 'The execution timed out (TimeoutSeconds of the state machine).',
        },
        'timed-out',
      );
      return;
    }
    const due = [...this.deadlines.entries()].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    for (const [id] of due) {
      const scope = this.scopes.get(id);
      if (scope?.status !== 'running') continue;
      const p = scope.phase;
      if (p.kind === 'timer') {
        p.fired = true;
        this.touch(scope);
        this.enqueue(scope);
      } else if (p.kind === 'task') fireTaskTimeout(this, scope, now);
    }
  }

  /** Stops the execution (StopExecution): running handlers are cancelled, the execution ends ABORTED. */
  async stop(now: number, error?: string, cause?: string): Promise<boolean> {
    this.now = now;
    if (!this.running) return false;
    const root = [...this.scopes.values()].find((s) => s.parentId === null);
    if (root) abortScope(this, root, false);
    const details: JsonObject = {};
    if (error !== undefined) details.error = error;
    if (cause !== undefined) details.cause = cause;
    this.emit(null, 'ExecutionAborted', 'executionAbortedEventDetails', details);
    Object.assign(this.header, { status: 'ABORTED', stopTime: now, error, cause });
    return true;
  }

  /** Redrives a failed, timed-out or aborted execution from where it stopped (see redrive.ts). */
  async redrive(now: number): Promise<void> {
    this.now = now;
    await redriveExecution(this);
  }

  /** Everything that changed since the last call: persist it, then carry out the commands. */
  takeChanges(): Changes {
    const changes: Changes = {
      header: this.header,
      events: this.#events,
      scopes: [...this.#dirty].map((id) => this.scopes.get(id)!).filter(Boolean),
      deletedScopes: [...this.#deleted],
      blobs: [...this.#dirtyBlobs].map((k) => [k, this.blobs.get(k)!] as [string, Json]),
      deletedBlobs: [...this.#deletedBlobs],
      commands: this.#commands,
    };
    this.#events = [];
    this.#commands = [];
    this.#dirty = new Set();
    this.#deleted = new Set();
    this.#dirtyBlobs = new Set();
    this.#deletedBlobs = new Set();
    return changes;
  }

  /**
   * What was in flight when the previous process stopped, to ask for again: task invocations (at-least-once
   * delivery) and a distributed Map's items, children and result writing.
   */
  async pendingCommands(): Promise<Command[]> {
    return [...this.#pendingInvocations(), ...(await pendingDistributedCommands(this))];
  }

  /** A distributed Map's items were read (or could not be). */
  async deliverItems(
    scopeId: string,
    result: Parameters<typeof deliverItems>[2],
    now: number,
  ): Promise<void> {
    this.now = now;
    await deliverItems(this, scopeId, result);
  }

  /** A distributed Map's child execution ended. */
  async deliverChildResult(scopeId: string, index: number, outcome: TaskOutcome, now: number): Promise<void> {
    this.now = now;
    await deliverChildResult(this, scopeId, index, outcome);
  }

  /** A distributed Map's ResultWriter finished (or failed). */
  async deliverResultsWritten(
    scopeId: string,
    result: Parameters<typeof deliverResultsWritten>[2],
    now: number,
  ): Promise<void> {
    this.now = now;
    await deliverResultsWritten(this, scopeId, result);
  }

  #pendingInvocations(): Command[] {
    const out: Command[] = [];
    for (const scope of this.scopes.values()) {
      const p = scope.phase;
      if (scope.status !== 'running' || p.kind !== 'task' || p.outcome) continue;
      out.push({
        kind: 'invoke',
        scopeId: scope.id,
        token: p.token,
        stateName: scope.state,
        resource: this.state(scope).Resource ?? '',
        parameters: p.parameters,
        idempotencyKey: p.idempotencyKey,
        attempt: p.attempt,
        call: p.call,
        waitForTaskToken: (this.state(scope).Resource ?? '').endsWith('.waitForTaskToken'),
      });
    }
    return out;
  }

  #index(scope: Scope): void {
    if (scope.parentId !== null) {
      let set = this.children.get(scope.parentId);
      if (!set) {
        set = new Set();
        this.children.set(scope.parentId, set);
      }
      set.add(scope.id);
    }
    this.touch(scope);
    this.#dirty.delete(scope.id);
  }
}

export function isRunnable(scope: Scope): boolean {
  const p = scope.phase;
  if (p.kind === 'enter' || p.kind === 'run') return true;
  if (p.kind === 'task') return p.outcome !== undefined;
  if (p.kind === 'timer') return p.fired === true;
  return false;
}
