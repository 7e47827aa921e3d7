// Read models in the shapes of the Step Functions API: DescribeExecution and GetExecutionHistory (with
// reverseOrder, maxResults and nextToken paging). Timestamps are ISO 8601 strings, as the AWS CLI prints them.

import type { Json, JsonObject } from '../asl/json.ts';
import type { StoredExecution, WorkflowStore } from '../store/workflow-store.ts';

export interface DescribeOutput {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: string;
  startDate: string;
  stopDate?: string;
  input: string;
  inputDetails: { included: boolean };
  output?: string;
  outputDetails?: { included: boolean };
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: string;
  redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
  redriveStatusReason?: string;
  parentExecutionArn?: string;
}

export function describe(e: StoredExecution): DescribeOutput {
  const h = e.header;
  const out: DescribeOutput = {
    executionArn: h.executionArn,
    stateMachineArn: h.stateMachineArn,
    name: h.name,
    status: h.status,
    startDate: new Date(h.startTime).toISOString(),
    input: JSON.stringify(h.input),
    inputDetails: { included: true },
    redriveCount: h.redriveCount,
    redriveStatus: ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(h.status) ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
  };
  if (h.stopTime !== undefined) out.stopDate = new Date(h.stopTime).toISOString();
  if (h.output !== undefined) {
    out.output = JSON.stringify(h.output);
    out.outputDetails = { included: true };
  }
  if (h.error) out.error = h.error;
  if (h.cause !== undefined) out.cause = h.cause;
  if (h.redriveTime !== undefined) out.redriveDate = new Date(h.redriveTime).toISOString();
  if (out.redriveStatus === 'NOT_REDRIVABLE') {
    out.redriveStatusReason =
      h.status === 'RUNNING'
        ? 'Execution is RUNNING and cannot be redriven'
        : 'Execution is SUCCEEDED and cannot be redriven';
  }
  if (h.parent) out.parentExecutionArn = h.parent.executionArn;
  return out;
}

export interface HistoryOptions {
  reverseOrder?: boolean;
  maxResults?: number;
  nextToken?: string;
  /** Leave out inputs and outputs (`includeExecutionData: false`). */
  includeExecutionData?: boolean;
}

export interface HistoryOutput {
  events: JsonObject[];
  nextToken?: string;
}

export function history(store: WorkflowStore, seq: number, options: HistoryOptions = {}): HistoryOutput {
  let events = store.events(seq).map(toApiEvent);
  if (options.reverseOrder) events.reverse();
  const start = options.nextToken ? Number(Buffer.from(options.nextToken, 'base64url').toString()) : 0;
  const max = options.maxResults && options.maxResults > 0 ? options.maxResults : events.length;
  const page = events.slice(start, start + max);
  if (options.includeExecutionData === false) events = page.map(stripData);
  const out: HistoryOutput = { events: options.includeExecutionData === false ? events : page };
  if (start + max < store.events(seq).length)
    out.nextToken = Buffer.from(String(start + max)).toString('base64url');
  return out;
}

function toApiEvent(raw: Record<string, unknown>): JsonObject {
  const { timestamp, type, id, previousEventId, ...details } = raw;
  return {
    timestamp: new Date(timestamp as number).toISOString(),
    type: type as string,
    id: id as number,
    previousEventId: previousEventId as number,
    ...(details as JsonObject),
  };
}

function stripData(event: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(event)) {
    if (k.endsWith('EventDetails') && v && typeof v === 'object' && !Array.isArray(v)) {
      const d: JsonObject = {};
      for (const [dk, dv] of Object.entries(v as JsonObject)) {
        if (!['input', 'output', 'parameters', 'inputDetails', 'outputDetails'].includes(dk))
          d[dk] = dv as Json;
      }
      out[k] = d;
    } else out[k] = v;
  }
  return out;
}
