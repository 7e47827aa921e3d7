// `server:` in stepvault.yaml — how `stepvault serve` listens, who may call its API (tokens stored as SHA-256
// hashes, never the tokens) and where it keeps its state (executions, audit log).

import { z } from 'zod';
import { nameSchema, strictObject } from './schema-primitives.ts';

export const ROLES = ['viewer', 'operator', 'admin'] as const;

const listenSchema = z
  .string()
  .regex(/^(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):)?\d{1,5}$/, {
    error: 'write HOST:PORT or PORT, e.g. 127.0.0.1:8420',
  })
  .refine((text) => Number(text.slice(text.lastIndexOf(':') + 1)) <= 65535, {
    error: 'the port is above 65535',
  })
  .describe('address and port of the HTTP API');

const tokenSchema = strictObject({
  name: nameSchema.describe('who holds the token (shown in the audit log)'),
  role: z.enum(ROLES),
  hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, {
      error: 'the SHA-256 of the token in hex (printf %s "$TOKEN" | sha256sum), never the token itself',
    })
    .describe('lowercase hex SHA-256 of the token'),
});

export const serverSchema = strictObject(
  {
    listen: listenSchema.default('127.0.0.1:8420'),
    tokens: z.array(tokenSchema).default([]),
    stateDir: z
      .string()
      .min(1)
      .optional()
      .describe('state (executions, audit log), relative to this file; default ~/.local/state/stepvault'),
  },
  'The daemon (stepvault serve)',
);

export type ServerConfig = z.output<typeof serverSchema>;
export type Role = (typeof ROLES)[number];
