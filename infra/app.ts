// The AWS CDK app (`npx cdk synth`, cdk.json): the stepvault stack from stepvault.yaml (STEPVAULT_CONFIG or
// ./stepvault.yaml), checked by cdk-nag's AwsSolutions rules. Context (`-c key=value`): workerImage (required),
// lambdaCode (default dist/lambda), lockMode (GOVERNANCE | COMPLIANCE), lockDays, maxWorkers.

import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { findConfigFile, loadConfig } from '../src/config/load-config.ts';
import { StepvaultStack } from './stepvault-stack.ts';

const app = new App();
const context = (key: string): string | undefined => app.node.tryGetContext(key) as string | undefined;
const workerImage = context('workerImage');
if (!workerImage) {
  throw new Error(
    'set the worker image: npx cdk synth -c workerImage=ACCOUNT.dkr.ecr.REGION.amazonaws.com/stepvault:TAG',
  );
}
new StepvaultStack(app, 'Stepvault', {
  config: loadConfig(findConfigFile(undefined)),
  workerImage,
  lambdaCode: path.resolve(context('lambdaCode') ?? 'dist/lambda'),
  objectLock: {
    mode: context('lockMode') === 'COMPLIANCE' ? 'COMPLIANCE' : 'GOVERNANCE',
    days: Number(context('lockDays') ?? 30),
  },
  ...(context('maxWorkers') ? { maxWorkers: Number(context('maxWorkers')) } : {}),
  ...(process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
    ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } }
    : {}),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
