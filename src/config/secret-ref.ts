// Secrets in the configuration are references, never values: an environment variable, a file, a command's
// output, an AWS Secrets Manager secret or an SSM parameter. `config/secrets/` resolves them.

import { z } from 'zod';
import { strictObject } from './schema-primitives.ts';

export const SECRET_REF_FORMS =
  '{ env: NAME }, { file: path }, { command: "…" }, { awsSecretsManager: { secretId } } or { ssm: { name } }';

const region = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'not an AWS region (e.g. eu-central-1)' });

export const secretRefSchema = z
  .union(
    [
      strictObject({
        env: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'not an environment variable name' })
          .describe('environment variable holding the secret'),
      }),
      strictObject({
        file: z.string().min(1).describe('file whose content (one trailing newline removed) is the secret'),
      }),
      strictObject({
        command: z.string().min(1).describe('shell command (/bin/sh -c) that prints the secret'),
      }),
      strictObject({
        awsSecretsManager: strictObject({
          secretId: z.string().min(1).describe('name or ARN of the secret'),
          region: region.optional(),
          jsonKey: z.string().min(1).optional().describe('take this key of a JSON secret string'),
        }),
      }),
      strictObject({
        ssm: strictObject({
          name: z.string().min(1).describe('parameter name, e.g. /stepvault/repo-password'),
          region: region.optional(),
          withDecryption: z.boolean().default(true).describe('decrypt a SecureString'),
        }),
      }),
    ],
    {
      error: (issue) =>
        typeof issue.input === 'object' && issue.input !== null && !Array.isArray(issue.input)
          ? `a secret reference is one of ${SECRET_REF_FORMS}`
          : `secrets are given by reference: write ${SECRET_REF_FORMS} instead of the value itself`,
    },
  )
  .meta({ id: 'SecretRef', description: `A secret, given by reference: ${SECRET_REF_FORMS}` });

export type SecretRef = z.output<typeof secretRefSchema>;

/** Says where a secret comes from without saying what it is (for messages). */
export function describeSecretRef(ref: SecretRef): string {
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('file' in ref) return `file ${ref.file}`;
  if ('command' in ref) return 'command';
  if ('awsSecretsManager' in ref) return `AWS Secrets Manager secret ${ref.awsSecretsManager.secretId}`;
  return `SSM parameter ${ref.ssm.name}`;
}
