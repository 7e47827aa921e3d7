// Test support for the daemon: a real SMTP server on loopback, API tokens with their configured hashes, an API
// client, a validator that checks replies against the daemon's own OpenAPI document with ajv, and
// `stepvault serve` as a child process. (The webhook endpoint is in webhook-receiver.ts.)

import { type ChildProcess, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { SMTPServer } from 'smtp-server';
import type { AuditRecord } from '../../src/catalog/audit-record.ts';
import { readAuditRecords } from '../../src/catalog/verify-audit-log.ts';
import { tokenHash } from '../../src/daemon/api/bearer-tokens.ts';
import { MAIN } from './cli.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export interface SmtpReceiver {
  port: number;
  messages: { to: string[]; raw: string }[];
  close(): Promise<void>;
}

/** A real SMTP server on loopback that requires the login `stepvault` / `password`. */
export async function startSmtpReceiver(password: string): Promise<SmtpReceiver> {
  const messages: SmtpReceiver['messages'] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'stepvault' && auth.password === password)
        return callback(null, { user: 'stepvault' });
      return callback(new Error('invalid login'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new Error(`the SMTP receiver cannot listen on 127.0.0.1: ${e.message}`)),
    );
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Tokens by role (and a second admin), and the `server.tokens` lines that configure them. */
export function apiTokens(seed: string) {
  const tokens = {
    viewer: `${seed}-viewer-token-0001`,
    operator: `${seed}-operator-token-0002`,
    admin: `${seed}-admin-token-0003`,
    admin2: `${seed}-second-admin-token-0004`,
  };
  const yaml = [
    `    - { name: vera, role: viewer, hash: ${tokenHash(tokens.viewer)} }`,
    `    - { name: otto, role: operator, hash: ${tokenHash(tokens.operator)} }`,
    `    - { name: ada, role: admin, hash: ${tokenHash(tokens.admin)} }`,
    `    - { name: abe, role: admin, hash: ${tokenHash(tokens.admin2)} }`,
  ].join('\n');
  return { tokens, yaml };
}

export interface ApiReply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string | Uint8Array; contentType?: string } = {},
): Promise<ApiReply> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Validates replies against the OpenAPI document the daemon serves. */
export function openApiValidator(document: Record<string, unknown>) {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  const paths = document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
  const components = document.components as { schemas: Record<string, unknown> };
  ajv.addSchema({ $id: 'openapi-components', ...components }, 'openapi-components');
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  return {
    /** Throws unless the reply matches the documented reply of `method template` for its status. */
    check(method: string, template: string, reply: ApiReply): void {
      const operation = paths[template]?.[method.toLowerCase()];
      if (!operation) throw new Error(`the OpenAPI document has no ${method} ${template}`);
      const response = operation.responses[String(reply.status)] as
        | { content?: Record<string, { schema: unknown }> }
        | undefined;
      if (!response)
        throw new Error(`${method} ${template}: status ${reply.status} is not documented: ${reply.text}`);
      const json = response.content?.['application/json'];
      if (!json) return;
      const key = `${method} ${template} ${reply.status}`;
      let validate = compiled.get(key);
      if (!validate) {
        const schema = JSON.parse(
          JSON.stringify(json.schema).replaceAll('"#/components/', '"openapi-components#/'),
        ) as object;
        validate = ajv.compile(schema);
        compiled.set(key, validate);
      }
      if (!validate(reply.json)) {
        throw new Error(
          `${key} does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}\n${reply.text.slice(0, 2000)}`,
        );
      }
    },
    /** Every documented (method, path template) pair. */
    operations(): { method: string; template: string; role: string }[] {
      return Object.entries(paths).flatMap(([template, ops]) =>
        Object.entries(ops).map(([method, op]) => ({
          method: method.toUpperCase(),
          template,
          role: (op as { 'x-stepvault-role'?: string })['x-stepvault-role'] ?? 'none',
        })),
      );
    },
  };
}

export interface ServeProcess {
  child: ChildProcess;
  /** Resolves with the API's URL once the daemon listens (rejects if it exits first). */
  url: Promise<string>;
  /** Every `daemon_event` it printed so far. */
  events: { event: string; message: string; fields: Record<string, unknown> }[];
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `stepvault serve --json …` as a separate process in `dir`. */
export function spawnServe(dir: string, args: string[], env: Record<string, string>): ServeProcess {
  const child = spawn(process.execPath, [MAIN, 'serve', '--json', ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const events: ServeProcess['events'] = [];
  let buffered = '';
  let onUrl: (url: string) => void = () => {};
  const url = new Promise<string>((resolve, reject) => {
    onUrl = resolve;
    child.once('exit', (code) =>
      reject(new Error(`stepvault serve exited (${code}) before listening:\n${stderr}${stdout}`)),
    );
  });
  url.catch(() => undefined);
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    buffered += d.toString();
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
      try {
        const message = JSON.parse(line) as ServeProcess['events'][number] & { message_type?: string };
        if (message.message_type !== 'daemon_event') continue;
        events.push(message);
        if (message.event === 'daemon.listening') onUrl(String(message.fields.url));
      } catch {}
    }
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, url, events, stdout: () => stdout, stderr: () => stderr, exit };
}

/**
 * Polls `check` (every 50 ms) until it returns a value, with no deadline of its own (a slow machine only takes
 * longer; a hang is the test runner's to end); `what` says what the caller waits for.
 */
export async function eventually<T>(
  _what: string,
  check: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The records of the audit log a daemon running in `dir` keeps (`state/audit.log`), in order. */
export function auditRecords(dir: string): Promise<AuditRecord[]> {
  return Array.fromAsync(readAuditRecords(path.join(dir, 'state', 'audit.log')));
}
