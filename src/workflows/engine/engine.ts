// The durable workflow engine: starts executions of ASL definitions, runs them in this process (one runner per
// execution), resumes executions a dead process left RUNNING, and offers the Step Functions API verbs (stop,
// redrive, send-task-success/failure/heartbeat, describe, list, history) over one SQLite store.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { type Clock, systemClock } from '../../common/clock.ts';
import { StepvaultError } from '../../common/errors.ts';
import { isAlive } from '../../common/process-alive.ts';
import type { State, StateMachineDefinition } from '../asl/definition.ts';
import { type Json, jsonByteLength, PAYLOAD_LIMIT_BYTES } from '../asl/json.ts';
import { parseResource } from '../asl/resource.ts';
import { requireValidDefinition, type ValidationResult, validateDefinition } from '../asl/validate.ts';
import { CompiledDefinition } from '../interpreter/compiled.ts';
import { ExecutionMachine } from '../interpreter/machine.ts';
import type { Command, ExecutionHeader, TaskOutcome } from '../interpreter/model.ts';
import { seedRng } from '../interpreter/random.ts';
import { type LoadedExecution, WorkflowStore } from '../store/workflow-store.ts';
import {
  type DescribeOutput,
  describe,
  type HistoryOptions,
  type HistoryOutput,
  history,
} from './describe.ts';
import { ExecutionRunner } from './execution-runner.ts';
import { type ItemIo, localObjectStore, type ObjectStore, objectStoreItemIo } from './item-io.ts';
import { childOutcome, handleMapCommand, type MapRunHost } from './map-runs.ts';
import {
  checkName,
  executionArn,
  LOCAL_PARTITION,
  type Partition,
  roleArn,
  stateMachineArn,
} from './naming.ts';
import { ReplayHandlers, type TaskResults } from './replay.ts';
import { TaskRegistry } from './task-registry.ts';

export interface EngineOptions {
  /** The store, or the path of its SQLite file. */
  store: WorkflowStore | string;
  registry?: TaskRegistry;
  clock?: Clock;
  /** Maximum history events per execution (AWS: 25,000). */
  maxEvents?: number;
  /** State transitions committed per transaction (default 64; 1 commits every transition on its own). */
  commitEvery?: number;
  /** How often running executions look for messages from other processes (default 200 ms; 0 = never). */
  pollIntervalMs?: number;
  /** How long a process's claim on an execution lasts without renewal (default 30 s). */
  leaseMs?: number;
  partition?: Partition;
  /** Also check definitions against the asl-validator JSON schema when starting them (default true; ~150 ms per new definition). */
  schemaValidation?: boolean;
  /** Reads and writes a distributed Map's items and results (default: files under `bucketsDir`). */
  itemIo?: ItemIo;
  /** Local "buckets" for distributed Maps: bucket B, key K is `<bucketsDir>/B/K` (default: `buckets` next to the store). */
  bucketsDir?: string;
  /**
   * The buckets of distributed Maps as an object store (default: the directories of `bucketsDir`); items and
   * results go through it unless `itemIo` says otherwise, and tasks that keep a run's files use it (`objects`).
   */
  objects?: ObjectStore;
}

export interface StartOptions {
  name?: string;
  stateMachineName?: string;
  /** Recorded outcomes to replay instead of calling the handlers (per state name). */
  taskResults?: TaskResults;
  /** Run the execution in this process (default true); false only records it for another process to resume. */
  run?: boolean;
}

interface Running {
  runner: ExecutionRunner;
  done: Promise<void>;
  replay: ReplayHandlers | undefined;
}

/** An execution as the store lists it: its order of creation and its header (name, status, times, error). */
export interface ExecutionRecord {
  seq: number;
  header: ExecutionHeader;
}

export class WorkflowEngine {
  readonly #store: WorkflowStore;
  readonly registry: TaskRegistry;
  readonly clock: Clock;
  readonly partition: Partition;
  /** Where this engine's distributed Maps read items and write results, for tasks that keep a run's files. */
  readonly objects: ObjectStore;
  readonly owner = `${process.pid}-${randomUUID()}`;
  readonly #opts: EngineOptions;
  readonly #running = new Map<number, Running>();
  readonly #ownsStore: boolean;
  readonly #mapHost: MapRunHost;
  #closed = false;

  constructor(options: EngineOptions) {
    this.#opts = options;
    this.#ownsStore = typeof options.store === 'string';
    this.#store = typeof options.store === 'string' ? new WorkflowStore(options.store) : options.store;
    this.registry = options.registry ?? new TaskRegistry();
    this.clock = options.clock ?? systemClock;
    this.partition = options.partition ?? LOCAL_PARTITION;
    const storeDir =
      this.#store.file === ':memory:' ? process.cwd() : path.dirname(path.resolve(this.#store.file));
    this.objects = options.objects ?? localObjectStore(options.bucketsDir ?? path.join(storeDir, 'buckets'));
    this.#mapHost = {
      itemIo: options.itemIo ?? objectStoreItemIo(this.objects),
      startChild: (parent, cmd, index, input) => this.#startChild(parent, cmd, index, input),
      ensureRunning: (child) => {
        if (this.#running.has(child.seq)) return;
        const holder = this.#store.leaseHolder(child.seq, this.clock.now().getTime());
        if (!holder || !isAlive(holder.pid)) this.#resume(child.seq);
      },
      stopChildren: async (parentArn, mapRunArn) => {
        const runId = mapRunArn.split(':').at(-1)!;
        for (const child of this.#store.childExecutions(parentArn)) {
          if (child.header.status === 'RUNNING' && child.header.name.startsWith(`${runId}-`)) {
            await this.stopExecution(child.header.executionArn, 'States.Aborted', 'the map run ended').catch(
              () => undefined,
            );
          }
        }
      },
    };
  }

  /** Validates a definition against the registered handlers (and, optionally, replayed task results). */
  validate(definition: string | Json, taskResults?: TaskResults): ValidationResult {
    const replay = taskResults ? new ReplayHandlers(taskResults, () => {}) : undefined;
    return validateDefinition(definition, {
      whyUnknownResource: (s, name) => this.#whyUnknown(s, name, replay),
    });
  }

  #whyUnknown(state: State, name: string, replay: ReplayHandlers | undefined): string | undefined {
    if (replay?.serves(name)) return undefined;
    return this.registry.whyUnknown(state);
  }

  /** Starts an execution and runs it in this process; returns its ARN at once. */
  async startExecution(
    definition: string | StateMachineDefinition,
    input: Json = {},
    options: StartOptions = {},
  ): Promise<string> {
    const text = typeof definition === 'string' ? definition : JSON.stringify(definition);
    const replay = options.taskResults ? new ReplayHandlers(options.taskResults, () => {}) : undefined;
    const def = requireValidDefinition(text, {
      whyUnknownResource: (s, name) => this.#whyUnknown(s, name, replay),
      schema: this.#opts.schemaValidation ?? true,
    });
    if (jsonByteLength(input) > PAYLOAD_LIMIT_BYTES) {
      throw new StepvaultError('usage', `the execution input is larger than ${PAYLOAD_LIMIT_BYTES} bytes`, {
        hint: 'pass references to large data (e.g. a snapshot ID), not the data itself',
      });
    }
    const smName = checkName('state machine', options.stateMachineName ?? 'StateMachine');
    const name = checkName('execution', options.name ?? randomUUID());
    const now = this.clock.now().getTime();
    const header = this.#newHeader(smName, name, input, now, undefined);
    const machine = ExecutionMachine.start(new CompiledDefinition(def), header, now);
    const defId = createHash('sha256').update(text).digest('hex');
    this.#store.saveDefinition(defId, smName, text);
    const runtime: Json = options.taskResults ? { taskResults: options.taskResults as unknown as Json } : {};
    const seq = this.#store.createExecution(header, defId, runtime, machine.takeChanges());
    if (options.run !== false) this.#launch(seq, machine, options.taskResults);
    return header.executionArn;
  }

  #newHeader(
    smName: string,
    name: string,
    input: Json,
    now: number,
    parent: ExecutionHeader['parent'],
  ): ExecutionHeader {
    return {
      executionArn: executionArn(this.partition, smName, name),
      name,
      stateMachineArn: stateMachineArn(this.partition, smName),
      stateMachineName: smName,
      roleArn: roleArn(this.partition),
      input,
      startTime: now,
      stopTime: undefined,
      status: 'RUNNING',
      output: undefined,
      error: undefined,
      cause: undefined,
      eventCount: 0,
      rngState: seedRng(randomBytes(16)),
      scopeSeq: 0,
      redriveCount: 0,
      redriveTime: undefined,
      timeoutAt: undefined,
      parent,
      maxEvents: this.#opts.maxEvents ?? 25_000,
    };
  }

  /** Starts an execution and waits for it to end. */
  async run(
    definition: string | StateMachineDefinition,
    input: Json = {},
    options: StartOptions = {},
  ): Promise<DescribeOutput> {
    const arn = await this.startExecution(definition, input, options);
    return this.waitForExecution(arn);
  }

  #launch(seq: number, machine: ExecutionMachine, taskResults: TaskResults | undefined): Running {
    let replay: ReplayHandlers | undefined;
    const runner: ExecutionRunner = new ExecutionRunner(seq, machine, {
      store: this.#store,
      clock: this.clock,
      owner: this.owner,
      commitEvery: this.#opts.commitEvery ?? 64,
      pollIntervalMs: this.#opts.pollIntervalMs ?? 200,
      leaseMs: this.#opts.leaseMs ?? 30_000,
      isAlive,
      resolveHandler: (cmd) => {
        const fromReplay = replay?.resolve(cmd.resource, cmd.stateName, cmd.call);
        if (fromReplay) return fromReplay;
        const info = parseResource(cmd.resource);
        return info ? this.registry.resolve(info, cmd.parameters) : undefined;
      },
      onCommand: (r, cmd) => handleMapCommand(this.#mapHost, r, cmd),
    });
    if (taskResults)
      replay = new ReplayHandlers(taskResults, (token, outcome) =>
        runner.deliver({ kind: 'outcome', token, outcome }),
      );
    const running: Running = { runner, replay, done: Promise.resolve() };
    this.#running.set(seq, running);
    running.done = runner.run().finally(() => {
      if (this.#running.get(seq) === running) this.#running.delete(seq);
      if (machine.header.parent && machine.header.status !== 'RUNNING') this.#childEnded(seq);
    });
    return running;
  }

  /** A distributed Map's child execution: created and run here unless it already exists (which is returned). */
  #startChild(
    parentRunner: ExecutionRunner,
    cmd: Extract<Command, { kind: 'start-children' }>,
    index: number,
    input: Json,
  ) {
    const parent = parentRunner.machine.header;
    const runId = cmd.mapRunArn.split(':').at(-1)!;
    const name = `${runId}-${index}`;
    const smName = `${parent.stateMachineName}/${cmd.label}`;
    const arn = executionArn(this.partition, smName, name);
    const existing = this.#store.getExecution(arn);
    if (existing) return existing;
    const def = parentRunner.machine.def.asDefinition(cmd.block);
    const text = JSON.stringify(def);
    const now = this.clock.now().getTime();
    const header = this.#newHeader(smName, name, input, now, {
      executionArn: parent.executionArn,
      scopeId: cmd.scopeId,
      index,
    });
    const machine = ExecutionMachine.start(new CompiledDefinition(def), header, now);
    const defId = createHash('sha256').update(text).digest('hex');
    this.#store.saveDefinition(defId, smName, text);
    const parentStored = this.#store.getExecution(parent.executionArn);
    const seq = this.#store.createExecution(
      header,
      defId,
      parentStored?.options ?? {},
      machine.takeChanges(),
    );
    this.#launch(seq, machine, taskResultsOf(parentStored?.options ?? {}));
    return undefined;
  }

  /** Tells the parent of a finished distributed-Map child, if the parent runs in this process. */
  #childEnded(seq: number): void {
    const child = this.#store.getExecutionBySeq(seq);
    const link = child?.header.parent;
    const outcome = child ? childOutcome(child) : undefined;
    if (!link || !outcome) return;
    const parentSeq = this.#store.getExecution(link.executionArn)?.seq;
    const parent = parentSeq === undefined ? undefined : this.#running.get(parentSeq);
    parent?.runner.deliver({
      kind: 'call',
      fn: (m, now) => m.deliverChildResult(link.scopeId, link.index, outcome, now),
    });
  }

  /** Resumes every RUNNING execution that no live process is running (after a crash); returns their ARNs. */
  async resumeExecutions(filter: (arn: string) => boolean = () => true): Promise<string[]> {
    const out: string[] = [];
    for (const e of this.#store.listExecutions({
      status: 'RUNNING',
      limit: 1_000_000,
      includeChildren: true,
    })) {
      if (this.#running.has(e.seq) || !filter(e.header.executionArn)) continue;
      if (this.#resume(e.seq)) out.push(e.header.executionArn);
    }
    return out;
  }

  #resume(seq: number): Running | undefined {
    const now = this.clock.now().getTime();
    if (!this.#store.acquireLease(seq, this.owner, process.pid, now, this.#opts.leaseMs ?? 30_000, isAlive))
      return undefined;
    const loaded = this.#store.loadExecution(seq);
    if (loaded?.header.status !== 'RUNNING') {
      this.#store.releaseLease(seq, this.owner);
      return undefined;
    }
    return this.#launch(seq, this.#machineOf(loaded), taskResultsOf(loaded.options));
  }

  #machineOf(loaded: LoadedExecution): ExecutionMachine {
    const def = JSON.parse(loaded.definition) as StateMachineDefinition;
    return new ExecutionMachine(new CompiledDefinition(def), {
      header: loaded.header,
      scopes: loaded.scopes,
      blobs: loaded.blobs,
    });
  }

  #find(arnOrName: string): LoadedExecution {
    const e = this.#store.getExecution(arnOrName);
    if (!e) {
      throw new StepvaultError('not-found', `no execution '${arnOrName}'`, {
        hint: 'list executions with `stepvault workflow list`',
      });
    }
    return this.#store.loadExecution(e.seq)!;
  }

  /** Waits until the execution is no longer RUNNING (run here or by another process). */
  async waitForExecution(arnOrName: string): Promise<DescribeOutput> {
    const seq = this.#find(arnOrName).seq;
    for (;;) {
      const running = this.#running.get(seq);
      if (running) await running.done;
      const stored = this.#store.getExecutionBySeq(seq)!;
      if (stored.header.status !== 'RUNNING') return describe(stored);
      if (!this.#running.has(seq)) {
        const holder = this.#store.leaseHolder(seq, this.clock.now().getTime());
        if (!holder || !isAlive(holder.pid)) this.#resume(seq);
        if (!this.#running.has(seq)) await this.clock.sleep(100);
      }
    }
  }

  /** StopExecution: the execution ends ABORTED; its running handlers see their signal abort. */
  async stopExecution(arnOrName: string, error?: string, cause?: string): Promise<DescribeOutput> {
    const loaded = this.#find(arnOrName);
    if (loaded.header.status !== 'RUNNING') {
      throw new StepvaultError(
        'conflict',
        `execution '${loaded.header.name}' is ${loaded.header.status}, not RUNNING`,
        {
          hint: 'only running executions can be stopped',
        },
      );
    }
    const body: Json = {
      ...(error !== undefined ? { error } : {}),
      ...(cause !== undefined ? { cause } : {}),
    };
    const local = this.#running.get(loaded.seq);
    if (local) {
      local.runner.deliver({
        kind: 'stop',
        ...(error !== undefined ? { error } : {}),
        ...(cause !== undefined ? { cause } : {}),
      });
      await local.done;
      return describe(this.#store.getExecutionBySeq(loaded.seq)!);
    }
    this.#store.postMessage(loaded.seq, 'stop', null, body, this.clock.now().getTime());
    const holder = this.#store.leaseHolder(loaded.seq, this.clock.now().getTime());
    if (!holder || !isAlive(holder.pid)) this.#resume(loaded.seq);
    return this.waitForExecution(loaded.header.executionArn);
  }

  /** RedriveExecution: continues a FAILED, TIMED_OUT or ABORTED execution from where it stopped. */
  async redriveExecution(arnOrName: string, options: { run?: boolean } = {}): Promise<string> {
    const loaded = this.#find(arnOrName);
    const machine = this.#machineOf(loaded);
    try {
      await machine.redrive(this.clock.now().getTime());
    } catch (e) {
      throw new StepvaultError(
        'conflict',
        `cannot redrive execution '${loaded.header.name}': ${(e as Error).message}`,
        {
          hint: 'redrive applies to FAILED, TIMED_OUT and ABORTED executions',
        },
      );
    }
    this.#store.applyChanges(loaded.seq, machine.takeChanges());
    if (options.run !== false) this.#launch(loaded.seq, machine, taskResultsOf(loaded.options));
    return loaded.header.executionArn;
  }

  async sendTaskSuccess(token: string, output: Json): Promise<void> {
    this.#sendTask(token, 'task-success', { output }, { ok: true, output });
  }

  async sendTaskFailure(token: string, error = '', cause?: string): Promise<void> {
    this.#sendTask(
      token,
      'task-failure',
      { error, ...(cause !== undefined ? { cause } : {}) },
      { ok: false, error, cause },
    );
  }

  async sendTaskHeartbeat(token: string): Promise<void> {
    this.#sendTask(token, 'task-heartbeat', {}, undefined);
  }

  /** Delivers in process when this process runs the execution, else leaves a message for the one that does. */
  #sendTask(token: string, kind: string, body: Json, outcome: TaskOutcome | undefined): void {
    const seq = this.#store.executionOfToken(token);
    if (seq === undefined) {
      throw new StepvaultError('not-found', 'TaskDoesNotExist: no task has this token', {
        hint: 'check the task token you were given',
      });
    }
    if (!this.#store.isTokenWaiting(seq, token)) {
      throw new StepvaultError('conflict', 'TaskTimedOut: the task with this token is no longer waiting', {
        hint: 'the task already completed, timed out or its execution ended',
      });
    }
    const local = this.#running.get(seq);
    if (local)
      local.runner.deliver(outcome ? { kind: 'outcome', token, outcome } : { kind: 'heartbeat', token });
    else this.#store.postMessage(seq, kind, token, body, this.clock.now().getTime());
  }

  /** Whether some live process runs the execution (else a message waits until one resumes it). */
  isRunningSomewhere(arnOrName: string): boolean {
    const loaded = this.#find(arnOrName);
    if (this.#running.has(loaded.seq)) return true;
    const holder = this.#store.leaseHolder(loaded.seq, this.clock.now().getTime());
    return holder !== undefined && isAlive(holder.pid);
  }

  executionOfToken(token: string): string | undefined {
    const seq = this.#store.executionOfToken(token);
    return seq === undefined ? undefined : this.#store.getExecutionBySeq(seq)?.header.executionArn;
  }

  describeExecution(arnOrName: string): DescribeOutput {
    return describe(this.#find(arnOrName));
  }

  /** An execution's identity and status as stored (cheaper than describeExecution: no input or output), or undefined. */
  execution(arnOrName: string): ExecutionRecord | undefined {
    const stored = this.#store.getExecution(arnOrName);
    return stored && { seq: stored.seq, header: stored.header };
  }

  /** The same by the execution's sequence number (ExecutionRecord.seq). */
  executionBySeq(seq: number): ExecutionRecord | undefined {
    const stored = this.#store.getExecutionBySeq(seq);
    return stored && { seq: stored.seq, header: stored.header };
  }

  /** Top-level executions, newest first (records; see listExecutions for descriptions). */
  executionRecords(filter: { status?: string; limit?: number } = {}): ExecutionRecord[] {
    return this.#store.listExecutions(filter).map((e) => ({ seq: e.seq, header: e.header }));
  }

  /** The executions a Map, Parallel or nested start made for `parentArn`. */
  childExecutions(parentArn: string): ExecutionRecord[] {
    return this.#store.childExecutions(parentArn).map((e) => ({ seq: e.seq, header: e.header }));
  }

  listExecutions(filter: { status?: string; limit?: number } = {}): DescribeOutput[] {
    return this.#store.listExecutions(filter).map(describe);
  }

  getExecutionHistory(arnOrName: string, options: HistoryOptions = {}): HistoryOutput {
    return history(this.#store, this.#find(arnOrName).seq, options);
  }

  /** Runners active in this process. */
  get activeExecutions(): number {
    return this.#running.size;
  }

  runnerOf(arn: string): ExecutionRunner | undefined {
    for (const r of this.#running.values()) if (r.runner.machine.header.executionArn === arn) return r.runner;
    return undefined;
  }

  /** Resolves when no execution runs in this process. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  /** Stops running executions here (they stay RUNNING in the store and resume elsewhere) and closes the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of this.#running.values()) r.runner.close();
    await Promise.allSettled([...this.#running.values()].map((r) => r.done));
    if (this.#ownsStore) this.#store.close();
  }
}

function taskResultsOf(options: Json): TaskResults | undefined {
  const o = options as { taskResults?: TaskResults } | null;
  return o?.taskResults;
}
