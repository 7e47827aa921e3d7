// The state of one execution as the interpreter keeps it: a header, a tree of scopes (the root, Parallel
// branches, Map iterations) each positioned at one state, and blobs for large write-once values (Map items,
// branch and iteration results). Everything here is plain JSON so the store can persist it as it changes.

import type { Json, JsonObject } from '../asl/json.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionHeader {
  executionArn: string;
  name: string;
  stateMachineArn: string;
  stateMachineName: string;
  roleArn: string;
  input: Json;
  startTime: number;
  stopTime: number | undefined;
  status: ExecutionStatus;
  output: Json | undefined;
  error: string | undefined;
  cause: string | undefined;
  /** Number of history events so far; the next event gets `eventCount + 1`. */
  eventCount: number;
  /** Seeds the execution's random numbers (States.UUID, States.MathRandom, jitter, $random, $uuid). */
  rngState: number[];
  /** Source of scope ids. */
  scopeSeq: number;
  redriveCount: number;
  redriveTime: number | undefined;
  /** Absolute deadline of the execution (TimeoutSeconds), if any. */
  timeoutAt: number | undefined;
  /** Tasks scheduled so far, per state name and under '*' in total (numbers replayed outcomes). */
  taskCalls?: Record<string, number>;
  /** For child executions of a distributed Map: the parent execution and its Map scope and index. */
  parent: { executionArn: string; scopeId: string; index: number } | undefined;
  /** The events limit (AWS: 25,000). */
  maxEvents: number;
}

export type ScopeStatus = 'running' | 'succeeded' | 'failed' | 'aborted';

export interface TaskPhase {
  kind: 'task';
  token: string;
  /** The same for every attempt and re-delivery of one state visit (see TaskContext.idempotencyKey). */
  idempotencyKey: string;
  attempt: number;
  /** How many tasks of this state, and of all states, the execution had scheduled before this one. */
  call: { ofState: number; ofAll: number };
  parameters: Json;
  timeoutAt: number | undefined;
  heartbeatAt: number | undefined;
  heartbeatSeconds: number | undefined;
  /** Set once the outcome arrived (phase one of a delivery); the scope then handles it. */
  outcome?: TaskOutcome;
}

export interface ChildrenPhase {
  kind: 'children';
  mode: 'parallel' | 'map' | 'distributed';
  total: number;
  /** Map: the next item index not yet started. */
  nextIndex: number;
  running: number;
  succeeded: number;
  failed: number;
  maxConcurrency: number;
  toleratedCount: number | undefined;
  toleratedPercentage: number | undefined;
  /** The first error of a child that made the state fail. */
  failure?: { error: string; cause: string | undefined };
  /** Distributed map: the map run ARN. */
  mapRunArn?: string;
}

export type Phase =
  | { kind: 'enter' }
  | { kind: 'run' }
  | TaskPhase
  | {
      kind: 'timer';
      purpose: 'wait' | 'retry';
      dueAt: number;
      fired?: boolean;
      output?: Json;
      assign?: JsonObject;
    }
  | ChildrenPhase
  | { kind: 'done' };

export interface Scope {
  id: string;
  parentId: string | null;
  /** Key of the states block the scope runs ('' for the top level). */
  block: string;
  /** Branch index or Map item index. */
  index: number;
  status: ScopeStatus;
  /** The current state and the input it was entered with. */
  state: string;
  input: Json;
  phase: Phase;
  vars: JsonObject;
  lastEventId: number;
  enteredEventId: number;
  enteredTime: number;
  retryCount: number;
  retrierAttempts: number[];
  /** Number of states entered so far in this scope: part of task idempotency keys. */
  visits: number;
  /** Map iterations: the item, for `$$.Map.Item`. */
  mapItem?: { index: number; value: Json };
  /** Map iterations: whether MapIterationStarted has been recorded. */
  started?: boolean;
  output?: Json;
  error?: { error: string; cause: string | undefined };
}

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  type: string;
  timestamp: number;
  /** The one `xxxEventDetails` member of the AWS event, if any. */
  detailsKey?: string;
  details?: JsonObject;
}

export type TaskOutcome =
  | { ok: true; output: Json }
  | { ok: false; error: string; cause: string | undefined; timedOut?: boolean };

/** Effects the driver carries out after the changes that ask for them are committed. */
export type Command =
  | {
      kind: 'invoke';
      scopeId: string;
      token: string;
      stateName: string;
      resource: string;
      parameters: Json;
      idempotencyKey: string;
      attempt: number;
      call: { ofState: number; ofAll: number };
      waitForTaskToken: boolean;
    }
  | { kind: 'cancel'; token: string; reason: string }
  | { kind: 'read-items'; scopeId: string; resource: string; parameters: Json; config: JsonObject }
  | {
      kind: 'start-children';
      scopeId: string;
      mapRunArn: string;
      /** The states block the children run (the Map's ItemProcessor). */
      block: string;
      label: string;
      children: { index: number; input: Json }[];
    }
  | {
      kind: 'write-results';
      scopeId: string;
      mapRunArn: string;
      resource: string;
      parameters: Json;
      config: JsonObject;
      results: { index: number; ok: boolean; value: Json }[];
    };
