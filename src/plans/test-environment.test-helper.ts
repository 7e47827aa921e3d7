// Test helper: a plan environment over in-memory repositories and a temporary files source, a recording
// notifier, and task contexts as the engine would pass them.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../common/clock.ts';
import type { NotificationEvent } from '../domain/notification-event.ts';
import { Repository } from '../repository/repository.ts';
import { MemoryBackend } from '../storage/memory/memory-backend.ts';
import type { TaskContext } from '../workflows/engine/task-registry.ts';
import type { PlanEnvironment, SourceSpec } from './plan-environment.ts';
import { RepositoryGate } from './repository-gate.ts';

const FAST = { algorithm: 'argon2id', memoryKiB: 256, passes: 1, parallelism: 1 } as const;

export interface TestEnvironment extends PlanEnvironment {
  clock: ManualClock;
  repos: Map<string, Repository>;
  sources: Map<string, SourceSpec>;
  events: NotificationEvent[];
  dir: string;
  cleanup(): void;
}

export async function testEnvironment(repositoryNames: string[] = ['main']): Promise<TestEnvironment> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-plan-tasks-'));
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(data, 'a.txt'), 'first file\n');
  const repos = new Map<string, Repository>();
  for (const name of repositoryNames)
    repos.set(name, await Repository.init(new MemoryBackend(), 'pw', { kdf: FAST }));
  const sources = new Map<string, SourceSpec>([['data', { type: 'files', paths: [data], excludes: [] }]]);
  const events: NotificationEvent[] = [];
  return {
    clock: new ManualClock(Date.parse('2026-03-01T03:00:00Z')),
    gate: new RepositoryGate(),
    scratchDir: path.join(dir, 'scratch'),
    host: 'test-host',
    repos,
    sources,
    events,
    dir,
    openRepository: async (name) => {
      const repo = repos.get(name);
      if (!repo) throw new Error(`no repository ${name}`);
      return repo;
    },
    source: (name) => {
      const spec = sources.get(name);
      if (!spec) throw new Error(`no source ${name}`);
      return spec;
    },
    notify: async (event) => {
      events.push(event);
      return { delivered: ['recorder'], failed: [] };
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

let tokens = 0;

/** A task context; `key` is the idempotency key (the same for re-deliveries of one state visit). */
export function taskContext(key: string, overrides: Partial<TaskContext> = {}): TaskContext {
  return {
    signal: new AbortController().signal,
    heartbeat: () => {},
    taskToken: `token-${++tokens}`,
    executionId: 'arn:aws:states:local:000000000000:execution:stepvault-backup:test',
    stateName: 'State',
    resource: 'arn:aws:states:::stepvault:test',
    attempt: 1,
    idempotencyKey: key.padEnd(32, '0'),
    ...overrides,
  };
}
