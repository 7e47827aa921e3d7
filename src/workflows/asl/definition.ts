// The shape of an Amazon States Language definition, as far as the interpreter reads it. Field names are AWS's;
// values are left as `Json` where they are templates or expressions that the data flow evaluates at run time.

import type { Json, JsonObject } from './json.ts';

export type QueryLanguage = 'JSONPath' | 'JSONata';

export interface StateMachineDefinition {
  Comment?: string;
  StartAt: string;
  States: Record<string, State>;
  TimeoutSeconds?: number;
  Version?: string;
  QueryLanguage?: QueryLanguage;
}

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
  Comment?: string;
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Output?: Json;
  Assign?: JsonObject;
  Comment?: string;
}

export interface ChoiceRule {
  Next?: string;
  And?: ChoiceRule[];
  Or?: ChoiceRule[];
  Not?: ChoiceRule;
  Variable?: string;
  Condition?: Json;
  Output?: Json;
  Assign?: JsonObject;
  [operator: string]: Json | ChoiceRule | ChoiceRule[] | undefined;
}

/** Every field any state type may carry; each state type reads the ones it allows (validation checks the rest). */
export interface State {
  Type: 'Task' | 'Pass' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Parallel' | 'Map';
  Comment?: string;
  QueryLanguage?: QueryLanguage;
  Next?: string;
  End?: boolean;
  // JSONPath data flow
  InputPath?: string | null;
  OutputPath?: string | null;
  Parameters?: Json;
  ResultSelector?: JsonObject;
  ResultPath?: string | null;
  Result?: Json;
  // JSONata data flow
  Arguments?: Json;
  Output?: Json;
  Assign?: JsonObject;
  // Task
  Resource?: string;
  TimeoutSeconds?: number | string;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number | string;
  HeartbeatSecondsPath?: string;
  Credentials?: Json;
  Retry?: Retrier[];
  Catch?: Catcher[];
  // Choice
  Choices?: ChoiceRule[];
  Default?: string;
  // Wait
  Seconds?: number | string;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  // Fail
  Error?: string;
  ErrorPath?: string;
  Cause?: string;
  CausePath?: string;
  // Parallel
  Branches?: Branch[];
  // Map
  Iterator?: Branch;
  ItemProcessor?: ItemProcessor;
  ItemsPath?: string;
  Items?: Json;
  ItemSelector?: JsonObject;
  ItemReader?: ItemReader;
  ItemBatcher?: ItemBatcher;
  ResultWriter?: ResultWriter;
  MaxConcurrency?: number | string;
  MaxConcurrencyPath?: string;
  ToleratedFailurePercentage?: number | string;
  ToleratedFailurePercentagePath?: string;
  ToleratedFailureCount?: number | string;
  ToleratedFailureCountPath?: string;
  Label?: string;
}

export interface Branch {
  StartAt: string;
  States: Record<string, State>;
  Comment?: string;
  QueryLanguage?: QueryLanguage;
}

export interface ItemProcessor extends Branch {
  ProcessorConfig?: { Mode?: 'INLINE' | 'DISTRIBUTED'; ExecutionType?: 'STANDARD' | 'EXPRESS' };
}

export interface ItemReader {
  Resource: string;
  ReaderConfig?: {
    InputType?: 'CSV' | 'JSON' | 'JSONL' | 'MANIFEST';
    CSVHeaderLocation?: 'FIRST_ROW' | 'GIVEN';
    CSVHeaders?: string[];
    CSVDelimiter?: 'COMMA' | 'PIPE' | 'SEMICOLON' | 'SPACE' | 'TAB';
    MaxItems?: number;
    MaxItemsPath?: string;
  };
  Parameters?: JsonObject;
  Arguments?: Json;
}

export interface ItemBatcher {
  MaxItemsPerBatch?: number | string;
  MaxItemsPerBatchPath?: string;
  MaxInputBytesPerBatch?: number | string;
  MaxInputBytesPerBatchPath?: string;
  BatchInput?: Json;
}

export interface ResultWriter {
  Resource?: string;
  Parameters?: JsonObject;
  Arguments?: Json;
  WriterConfig?: { OutputType?: 'JSON' | 'JSONL'; Transformation?: 'NONE' | 'COMPACT' | 'FLATTEN' };
}

export const STATE_TYPES: readonly State['Type'][] = [
  'Task',
  'Pass',
  'Choice',
  'Wait',
  'Succeed',
  'Fail',
  'Parallel',
  'Map',
];

/** The query language a state uses: its own, else the state machine's, else JSONPath. */
export function queryLanguageOf(state: State, top: QueryLanguage | undefined): QueryLanguage {
  return state.QueryLanguage ?? top ?? 'JSONPath';
}

/** The states block a Map iterates over (`ItemProcessor`, or the older `Iterator`). */
export function processorOf(state: State): ItemProcessor | undefined {
  return state.ItemProcessor ?? state.Iterator;
}
