// What AWS Step Functions refuses or cannot run that the local engine accepts: checks made on top of ours by
// `stepvault workflow validate --target aws`, from the service's documented rules and quotas — a definition of at
// most 1 MiB with no placeholder left unsubstituted, Task resources AWS knows (activity and Lambda function ARNs,
// service integrations with an integration pattern the service offers), static payloads within 256 KiB, and
// warnings for what runs on AWS but can fail there (a loop that may outgrow the 25,000 events of an execution's
// history, an activity task with no heartbeat or timeout: a worker that dies holds it for up to a year).

import { processorOf, type State, type StateMachineDefinition } from './definition.ts';
import { type Diagnostic, Diagnostics } from './diagnostics.ts';
import { type Json, jsonByteLength, PAYLOAD_LIMIT_BYTES } from './json.ts';
import { parseResource, type ResourceInfo } from './resource.ts';
import { transitionsOf } from './validate-graph.ts';

/** CreateStateMachine's hard quota on a definition's size. */
export const AWS_DEFINITION_LIMIT_BYTES = 1024 * 1024;
/** The events an execution's history may hold; the execution fails beyond it. */
export const AWS_HISTORY_LIMIT = 25_000;

/**
 * The optimized integrations (`arn:aws:states:::SERVICE:ACTION`) and the patterns each offers besides
 * request-response. AWS SDK integrations (`aws-sdk:SERVICE`) offer `.waitForTaskToken`, never `.sync`.
 */
const INTEGRATIONS: Record<string, { sync: boolean; token: boolean }> = {
  lambda: { sync: false, token: true },
  sns: { sync: false, token: true },
  sqs: { sync: false, token: true },
  dynamodb: { sync: false, token: false },
  states: { sync: true, token: true },
  ecs: { sync: true, token: true },
  batch: { sync: true, token: true },
  glue: { sync: true, token: true },
  'glue:databrew': { sync: true, token: false },
  sagemaker: { sync: true, token: true },
  elasticmapreduce: { sync: true, token: true },
  'emr-containers': { sync: true, token: false },
  'emr-serverless': { sync: true, token: false },
  codebuild: { sync: true, token: true },
  athena: { sync: true, token: true },
  eks: { sync: true, token: true },
  apigateway: { sync: false, token: true },
  events: { sync: false, token: true },
  mediaconvert: { sync: true, token: false },
  bedrock: { sync: true, token: true },
  http: { sync: false, token: false },
};

const PAYLOAD_FIELDS = ['Parameters', 'Arguments', 'Result', 'ItemSelector', 'Output'] as const;

/** AWS's findings for a definition that passed our own validation (`text` is the definition as it would be sent). */
export function awsFindings(def: StateMachineDefinition, text: string): Diagnostic[] {
  const d = new Diagnostics();
  const size = Buffer.byteLength(text);
  if (size > AWS_DEFINITION_LIMIT_BYTES) {
    d.error(
      'AWS_DEFINITION_TOO_LARGE',
      '',
      `The definition is ${size} bytes; AWS accepts at most ${AWS_DEFINITION_LIMIT_BYTES} (a hard quota): move large constants into the input`,
    );
  }
  const placeholder = /\$\{([A-Za-z0-9_]+)\}/.exec(text);
  if (placeholder) {
    d.error(
      'AWS_UNSUBSTITUTED_PLACEHOLDER',
      '',
      `The definition still holds the placeholder ${placeholder[0]}: AWS takes it as literal text; the deployment must substitute it (DefinitionSubstitutions)`,
    );
  }
  checkStates(def.States, '', d);
  return d.items;
}

function checkStates(states: Record<string, State>, base: string, d: Diagnostics): void {
  for (const [name, state] of Object.entries(states)) {
    const at = `${base}/States/${name}`;
    if (state.Type === 'Task' && typeof state.Resource === 'string') checkResource(name, state, at, d);
    for (const field of PAYLOAD_FIELDS) {
      const value = (state as unknown as Record<string, Json | undefined>)[field];
      if (value === undefined) continue;
      const bytes = jsonByteLength(value);
      if (bytes > PAYLOAD_LIMIT_BYTES) {
        d.error(
          'AWS_PAYLOAD_TOO_LARGE',
          `${at}/${field}`,
          `State '${name}': ${field} is ${bytes} bytes before any input is added; AWS passes at most ${PAYLOAD_LIMIT_BYTES} bytes between states`,
        );
      }
    }
    state.Branches?.forEach((b, i) => {
      checkStates(b.States, `${at}/Branches/${i}`, d);
    });
    const processor = processorOf(state);
    if (processor)
      checkStates(processor.States, `${at}/${state.ItemProcessor ? 'ItemProcessor' : 'Iterator'}`, d);
  }
  for (const loop of loopsOf(states)) {
    d.warning(
      'AWS_HISTORY_LOOP',
      `${base}/States/${loop[0]}`,
      `States ${loop.map((s) => `'${s}'`).join(' → ')} form a loop: each time round adds events to the execution's history, and an execution that reaches ${AWS_HISTORY_LIMIT} events fails; bound the loop, or continue in a new execution`,
    );
  }
}

function checkResource(name: string, state: State, at: string, d: Diagnostics): void {
  const arn = state.Resource as string;
  const info = parseResource(arn);
  const where = `${at}/Resource`;
  if (!info) {
    d.error(
      'AWS_INVALID_RESOURCE',
      where,
      `State '${name}': '${arn}' is not a resource AWS accepts: an activity ARN, a Lambda function ARN, or arn:aws:states:::SERVICE:ACTION`,
    );
    return;
  }
  if (info.kind === 'service') {
    const problem = integrationProblem(info);
    if (problem) d.error('AWS_INVALID_RESOURCE', where, `State '${name}': ${problem}`);
    return;
  }
  if (
    info.kind === 'activity' &&
    state.HeartbeatSeconds === undefined &&
    state.HeartbeatSecondsPath === undefined
  ) {
    const timeout = state.TimeoutSeconds ?? state.TimeoutSecondsPath;
    if (timeout === undefined) {
      d.warning(
        'AWS_ACTIVITY_WITHOUT_TIMEOUT',
        at,
        `State '${name}' waits for an activity worker with neither HeartbeatSeconds nor TimeoutSeconds: a worker that dies mid-task holds the execution until the task times out after 99999999 seconds`,
      );
    }
  }
}

/** Why AWS refuses a service integration, or undefined. */
function integrationProblem(info: ResourceInfo): string | undefined {
  if (info.resourceType.startsWith('aws-sdk:')) {
    if (info.pattern === 'sync') return `AWS SDK integrations (${info.baseArn}) do not offer .sync`;
    return undefined;
  }
  const service = INTEGRATIONS[info.resourceType];
  if (!service) {
    return `AWS has no '${info.resourceType}' integration (${info.arn}); stepvault's own tasks are named by placeholder, e.g. "\${BackupTask}", which the deployment binds to an activity`;
  }
  if (info.pattern === 'sync' && !service.sync)
    return `the ${info.resourceType} integration does not offer .sync`;
  if (info.pattern === 'wait-for-task-token' && !service.token)
    return `the ${info.resourceType} integration does not offer .waitForTaskToken`;
  return undefined;
}

/** One loop through each strongly connected group of states (a cycle in the graph of transitions), if any. */
function loopsOf(states: Record<string, State>): string[][] {
  const loops: string[][] = [];
  const done = new Set<string>();
  for (const start of Object.keys(states)) {
    if (done.has(start)) continue;
    // depth-first from `start`, looking for a path back to it
    const path: string[] = [];
    const seen = new Set<string>();
    const back = (node: string): boolean => {
      path.push(node);
      seen.add(node);
      for (const { target } of transitionsOf(states[node]!)) {
        if (target === start) return true;
        if (!seen.has(target) && !done.has(target) && states[target] && back(target)) return true;
      }
      path.pop();
      return false;
    };
    if (back(start)) {
      loops.push([...path, start]);
      for (const s of path) done.add(s);
    }
    done.add(start);
  }
  return loops;
}
