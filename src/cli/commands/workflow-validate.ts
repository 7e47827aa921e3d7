// `stepvault workflow validate`: a definition checked for the local engine (its placeholders bound to the local
// task resources, every Task resource served by a handler of this build) or for AWS Step Functions (bound as a
// deployment would bind them, every activity one that `stepvault worker` serves, and AWS's own rules on top).

import { activityArn, bindDefinition, taskOfActivity } from '../../plans/task-bindings.ts';
import { parseResource } from '../../workflows/asl/resource.ts';
import { type ValidationResult, validateDefinition } from '../../workflows/asl/validate.ts';
import type { Partition } from '../../workflows/engine/naming.ts';
import type { CommandContext } from '../context.ts';
import {
  groupOptions,
  openEngine,
  readDefinitionFile,
  readDefinitionText,
  taskResultsFile,
} from './workflow-engine.ts';

export async function validateLocally(
  ctx: CommandContext,
  file: string,
  opts: { taskResults?: string; resourceCheck: boolean },
): Promise<ValidationResult> {
  const text = readDefinitionFile(file);
  if (!opts.resourceCheck) return validateDefinition(text);
  const engine = openEngine(groupOptions(ctx));
  try {
    return engine.validate(text, taskResultsFile(opts.taskResults));
  } finally {
    await engine.close();
  }
}

/**
 * The region and account the placeholders are bound to for the check: AWS_REGION's region (else us-east-1) and
 * an example account. Only the shape of the ARNs matters here; the deployment substitutes its own.
 */
function awsPartition(env: NodeJS.ProcessEnv = process.env): Partition {
  return { region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1', accountId: '123456789012' };
}

export async function validateForAws(file: string, resourceCheck: boolean): Promise<ValidationResult> {
  const partition = awsPartition();
  const text = bindDefinition(readDefinitionText(file), file, partition);
  return validateDefinition(text, {
    target: 'aws',
    ...(resourceCheck
      ? {
          whyUnknownResource: (state) => {
            const info = typeof state.Resource === 'string' ? parseResource(state.Resource) : undefined;
            if (info?.kind !== 'activity' || taskOfActivity(info.arn)) return undefined;
            return `no stepvault worker serves the activity ${info.arn} (stepvault's are ${activityArn(partition, 'backup')} and the like)`;
          },
        }
      : {}),
  });
}
