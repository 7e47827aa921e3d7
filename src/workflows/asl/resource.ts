// Task `Resource` ARNs: Step Functions service integrations (`arn:aws:states:::lambda:invoke.waitForTaskToken`),
// plain Lambda function ARNs and activity ARNs, with the names AWS uses for them in history events.

export type IntegrationPattern = 'request-response' | 'sync' | 'wait-for-task-token';

export interface ResourceInfo {
  arn: string;
  kind: 'service' | 'lambda-function' | 'activity';
  /** `resourceType` of TaskScheduled events, e.g. `lambda` or `aws-sdk:s3`. */
  resourceType: string;
  /** `resource` of TaskScheduled events, e.g. `invoke` or `invoke.waitForTaskToken`. */
  resource: string;
  /** The integration without its pattern suffix, e.g. `arn:aws:states:::lambda:invoke`. */
  baseArn: string;
  pattern: IntegrationPattern;
  region: string | undefined;
}

const SERVICE =
  /^arn:(aws[a-zA-Z-]*):states:([a-z0-9-]*):(\d*):(?!activity:)(?!stateMachine:)(?!execution:)(.+)$/;
const LAMBDA_FUNCTION =
  /^arn:(aws[a-zA-Z-]*):lambda:([a-z0-9-]+):(\d{12}):function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;
const ACTIVITY = /^arn:(aws[a-zA-Z-]*):states:([a-z0-9-]+):(\d{12}):activity:[A-Za-z0-9_.-]+$/;

export function parseResource(arn: string): ResourceInfo | undefined {
  let m = LAMBDA_FUNCTION.exec(arn);
  if (m) {
    return {
      arn,
      kind: 'lambda-function',
      resourceType: 'lambda',
      resource: arn,
      baseArn: arn,
      pattern: 'request-response',
      region: m[2],
    };
  }
  m = ACTIVITY.exec(arn);
  if (m) {
    return {
      arn,
      kind: 'activity',
      resourceType: 'activity',
      resource: arn,
      baseArn: arn,
      pattern: 'request-response',
      region: m[2],
    };
  }
  m = SERVICE.exec(arn);
  if (!m) return undefined;
  const rest = m[4]!;
  let pattern: IntegrationPattern = 'request-response';
  let action = rest;
  if (rest.endsWith('.waitForTaskToken')) {
    pattern = 'wait-for-task-token';
    action = rest.slice(0, -'.waitForTaskToken'.length);
  } else if (/\.sync(:\d+)?$/.test(rest)) {
    pattern = 'sync';
    action = rest.replace(/\.sync(:\d+)?$/, '');
  }
  const colon = action.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const resourceType = action.slice(0, colon);
  const suffix = rest.slice(action.length);
  return {
    arn,
    kind: 'service',
    resourceType,
    resource: action.slice(colon + 1) + suffix,
    baseArn: arn.slice(0, arn.length - suffix.length),
    pattern,
    region: m[2] || undefined,
  };
}
