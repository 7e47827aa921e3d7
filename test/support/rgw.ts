// Test support: a real S3 server for the S3 storage backend's tests and the benchmark — a throwaway Ceph cluster
// (one monitor, one memstore OSD keeping its objects in RAM, the RADOS Gateway) on 127.0.0.1, started as the
// current user in a private directory with free ports chosen at run time, so several can run side by side.
// startRgw() resolves once the gateway answers HTTP and an S3 user exists; stop() kills every daemon and removes
// the directory. Daemons of a test process die with it: an exit handler kills them, and a small detached shell
// that holds a pipe from this process kills them when the pipe closes (a process killed by a signal runs no exit
// handler). scripts/rgw.ts starts a detached cluster for people (`detached`), stopped by stopRgw(dir).

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { cephConf, RGW_NAME } from './rgw-conf.ts';
import {
  attachToThisProcess,
  delay,
  detachFromThisProcess,
  isAlive,
  killAndWait,
  POLL_MS,
  residentBytes,
  startReaper,
} from './rgw-processes.ts';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RgwDaemonPids {
  mon: number;
  osd: number;
  rgw: number;
}

export interface Rgw {
  /** 'http://127.0.0.1:PORT'; S3 clients need path-style addressing (no DNS name is configured). */
  endpoint: string;
  /** The region to sign requests for; the SDK then sends CreateBucket without a LocationConstraint. */
  region: string;
  /** An S3 user (`owner`). */
  owner: S3Credentials;
  /** The cluster's directory: ceph.conf, the daemons' data and logs (log/). */
  dir: string;
  pids: RgwDaemonPids;
  /** Creates a further S3 user, a separate account whose buckets are its own. */
  createUser(name: string): Promise<S3Credentials>;
  /** Kills every daemon and removes the directory. */
  stop(): Promise<void>;
}

export interface StartRgwOptions {
  /**
   * Room for objects in the OSD's RAM store; 1 GiB by default. The OSD's memory grows by about twice what is
   * stored; a full store makes writes hang rather than fail, so leave room.
   */
  memstoreBytes?: number;
  /** Where the cluster lives (created if missing; must be empty or hold a stopped cluster); a new temp dir by default. */
  dir?: string;
  /** Daemons keep running after this process exits; stop them with stopRgw(dir). */
  detached?: boolean;
}

const INSTALL = 'apt-get install radosgw ceph-mon ceph-osd ceph-mgr';
const GiB = 1024 ** 3;
export const RGW_REGION = 'us-east-1';
const STATE_FILE = 'rgw.json';
/** A daemon that failed to bind its port (taken between choosing it and binding it) is retried this often. */
const BIND_ATTEMPTS = 3;

interface Binaries {
  monmaptool: string;
  cephMon: string;
  cephOsd: string;
  radosgw: string;
  ceph: string;
  radosgwAdmin: string;
}

/** What a started cluster writes to its directory, for stopRgw, rgwStatus and the detached CLI. */
interface RgwState {
  endpoint: string;
  region: string;
  owner: S3Credentials;
  pids: RgwDaemonPids;
  conf: string;
}

function findBinary(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

function requireBinaries(): Binaries {
  const names = {
    monmaptool: 'monmaptool',
    cephMon: 'ceph-mon',
    cephOsd: 'ceph-osd',
    radosgw: 'radosgw',
    ceph: 'ceph',
    radosgwAdmin: 'radosgw-admin',
  } as const;
  const found: Partial<Record<keyof Binaries, string>> = {};
  const missing: string[] = [];
  for (const [key, name] of Object.entries(names) as [keyof Binaries, string][]) {
    const file = findBinary(name);
    if (file) found[key] = file;
    else missing.push(name);
  }
  if (missing.length > 0)
    throw new Error(
      `the Ceph RADOS Gateway is not installed (${missing.join(', ')} not found on PATH); install it with \`${INSTALL}\``,
    );
  return found as Binaries;
}

function runTool(file: string, args: string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const options = { maxBuffer: 16 * 1024 * 1024, env: cephEnv(), ...(signal ? { signal } : {}) };
    execFile(file, args, options, (error, stdout, stderr) => {
      if (error)
        reject(
          new Error(`${path.basename(file)} ${args[0] ?? ''} failed: ${stderr.trim() || error.message}`, {
            cause: error,
          }),
        );
      else resolve(stdout);
    });
  });
}

/** This process's environment without the variables through which Ceph's tools take extra arguments. */
function cephEnv(): NodeJS.ProcessEnv {
  const { CEPH_ARGS: _args, CEPH_CONF: _conf, ...env } = process.env;
  return env;
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function newCredentials(): S3Credentials {
  return {
    accessKeyId: `SV${crypto.randomBytes(9).toString('hex').toUpperCase()}`,
    secretAccessKey: crypto.randomBytes(30).toString('base64url'),
  };
}

/** The last lines of a daemon's log, before the dump of recent events that a crashing daemon appends. */
function tail(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const dump = text.indexOf('--- begin dump of recent events ---');
    return (dump >= 0 ? text.slice(0, dump) : text).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

class DaemonFailed extends Error {
  /** The daemon could not bind its port: another process took it after it was chosen. */
  readonly portTaken: boolean;
  constructor(message: string, portTaken: boolean) {
    super(message);
    this.portTaken = portTaken;
  }
}

/** The daemons of one cluster being started, and the one failure that ends the start. */
class Daemons {
  readonly pids = new Map<string, number>();
  private failure: ((e: Error) => void) | undefined;
  /** Rejects when a daemon exits. */
  readonly failed: Promise<never>;
  private starting = true;
  /** Aborted when the start ends in failure: tools still waiting for a daemon are killed, polling stops. */
  private readonly abort = new AbortController();
  readonly signal = this.abort.signal;
  private readonly dir: string;
  private readonly conf: string;
  private readonly reaper: ChildProcess | undefined;

  constructor(dir: string, conf: string, reaper: ChildProcess | undefined) {
    this.dir = dir;
    this.conf = conf;
    this.reaper = reaper;
    this.failed = new Promise<never>((_resolve, reject) => {
      this.failure = reject;
    });
    this.failed.catch(() => {});
  }

  spawn(name: string, file: string, args: string[]): void {
    const out = fs.openSync(path.join(this.dir, 'log', `${name}.out`), 'a');
    // its own process group: a Ctrl-C meant for the test runner does not make a daemon shut down gracefully
    // (the OSD would write its RAM store to disk); this process or its reaper kills it instead
    const child = spawn(file, ['-f', ...args, '-c', this.conf], {
      env: cephEnv(),
      detached: true,
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    if (child.pid === undefined) throw new Error(`${path.basename(file)} could not be started`);
    // a test file that forgets stop() still ends: the exit handler kills the daemon
    child.unref();
    this.pids.set(name, child.pid);
    this.reaper?.stdin?.write(`${child.pid}\n`);
    child.once('exit', (code, signal) => {
      if (!this.starting) return;
      const log = tail(path.join(this.dir, 'log', `${name}.log`), 30);
      const stderr = tail(path.join(this.dir, 'log', `${name}.out`), 10);
      const text = `${log}\n${stderr}`;
      this.failure?.(
        new DaemonFailed(
          `${name} (${path.basename(file)}) exited ${signal ? `on ${signal}` : `with code ${code}`} while the RGW test cluster was starting; the end of its log:\n${text.trim() || '(empty)'}`,
          /Address already in use|EADDRINUSE|failed to bind/i.test(text),
        ),
      );
    });
  }

  /** Resolves with `work` unless a daemon exits first. */
  whileUp<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.failed]);
  }

  started(): void {
    this.starting = false;
  }

  /** Ends a start that failed: kills the tools and stops the polling still waiting, then every daemon. */
  async abandon(): Promise<void> {
    this.starting = false;
    this.abort.abort();
    await killAndWait(this.all(), this.conf);
  }

  all(): number[] {
    return [...this.pids.values()];
  }
}

async function prepareDir(dir: string | undefined): Promise<string> {
  if (dir === undefined) return fs.mkdtempSync(path.join(os.tmpdir(), 'stepvault-rgw-'));
  dir = path.resolve(dir);
  fs.mkdirSync(dir, { recursive: true });
  const entries = fs.readdirSync(dir);
  if (entries.length === 0) return dir;
  const state = readState(dir);
  if (!state)
    throw new Error(`${dir} is not empty and holds no RGW test cluster; choose an empty or a new directory`);
  if (Object.values(state.pids).some((pid) => isAlive(pid, state.conf)))
    throw new Error(`an RGW test cluster is already running in ${dir}; stop it first (scripts/rgw.ts stop)`);
  for (const entry of entries) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  return dir;
}

function readState(dir: string): RgwState | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), 'utf8')) as RgwState;
  } catch {
    return undefined;
  }
}

async function waitForHttp(endpoint: string, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const response = await fetch(endpoint, { signal });
      await response.body?.cancel();
      return;
    } catch {
      await delay(POLL_MS);
    }
  }
}

async function createS3User(
  bins: Binaries,
  conf: string,
  name: string,
  signal?: AbortSignal,
): Promise<S3Credentials> {
  const credentials = newCredentials();
  await runTool(
    bins.radosgwAdmin,
    [
      '-c',
      conf,
      'user',
      'create',
      '--uid',
      name,
      '--display-name',
      name,
      '--access-key',
      credentials.accessKeyId,
      '--secret',
      credentials.secretAccessKey,
    ],
    signal,
  );
  return credentials;
}

/** Starts a cluster; see the module comment. Rejects with the failing daemon's log when one does not come up. */
export async function startRgw(options: StartRgwOptions = {}): Promise<Rgw> {
  const bins = requireBinaries();
  const dir = await prepareDir(options.dir);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startIn(dir, bins, options);
    } catch (e) {
      // the directory was empty or held a stopped cluster: what is in it now is this attempt's
      for (const entry of fs.readdirSync(dir))
        fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
      const retry = e instanceof DaemonFailed && e.portTaken && attempt < BIND_ATTEMPTS;
      if (!retry) {
        if (options.dir === undefined) fs.rmdirSync(dir);
        throw e;
      }
    }
  }
}

async function startIn(dir: string, bins: Binaries, options: StartRgwOptions): Promise<Rgw> {
  const detached = options.detached ?? false;
  const fsid = crypto.randomUUID();
  const [monPort, rgwPort] = (await freePorts(2)) as [number, number];
  const conf = path.join(dir, 'ceph.conf');
  for (const sub of ['mon', 'osd', 'run', 'log', 'rgw', 'crash']) fs.mkdirSync(path.join(dir, sub));
  fs.writeFileSync(
    conf,
    cephConf({ dir, fsid, monPort, rgwPort, memstoreBytes: options.memstoreBytes ?? GiB }),
  );
  const reaper = detached ? undefined : startReaper(dir, conf);
  const daemons = new Daemons(dir, conf, reaper);
  const registration = { pids: () => daemons.all(), dir };
  if (!detached) attachToThisProcess(registration);
  try {
    const monmap = path.join(dir, 'monmap');
    await runTool(bins.monmaptool, [
      '--create',
      '--fsid',
      fsid,
      '--addv',
      'a',
      `[v2:127.0.0.1:${monPort}]`,
      monmap,
    ]);
    await runTool(bins.cephMon, ['--mkfs', '-i', 'a', '--monmap', monmap, '-c', conf]);
    daemons.spawn('mon.a', bins.cephMon, ['-i', 'a']);
    const osdUuid = crypto.randomUUID();
    await daemons.whileUp(runTool(bins.ceph, ['-c', conf, 'osd', 'new', osdUuid], daemons.signal));
    await runTool(bins.cephOsd, ['--mkfs', '-i', '0', '--osd-uuid', osdUuid, '-c', conf]);
    daemons.spawn('osd.0', bins.cephOsd, ['-i', '0']);
    daemons.spawn(RGW_NAME, bins.radosgw, ['-n', RGW_NAME]);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await daemons.whileUp(waitForHttp(endpoint, daemons.signal));
    const owner = await daemons.whileUp(createS3User(bins, conf, 'owner', daemons.signal));
    daemons.started();
    const pids: RgwDaemonPids = {
      mon: daemons.pids.get('mon.a')!,
      osd: daemons.pids.get('osd.0')!,
      rgw: daemons.pids.get(RGW_NAME)!,
    };
    const state: RgwState = { endpoint, region: RGW_REGION, owner, pids, conf };
    fs.writeFileSync(path.join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    let stopped: Promise<void> | undefined;
    return {
      endpoint,
      region: RGW_REGION,
      owner,
      dir,
      pids,
      createUser: (name) => createS3User(bins, conf, name),
      stop: () => {
        stopped ??= (async () => {
          await killAndWait(daemons.all(), conf);
          fs.rmSync(dir, { recursive: true, force: true });
          detachFromThisProcess(registration);
          reaper?.stdin?.end('done\n');
        })();
        return stopped;
      },
    };
  } catch (e) {
    await daemons.abandon();
    detachFromThisProcess(registration);
    reaper?.stdin?.end('done\n');
    throw e;
  }
}

/** Stops the cluster in `dir` (started by any process) and removes the directory. */
export async function stopRgw(dir: string): Promise<void> {
  dir = path.resolve(dir);
  const state = readState(dir);
  if (!state) throw new Error(`no RGW test cluster in ${dir}`);
  await killAndWait(Object.values(state.pids), state.conf);
  fs.rmSync(dir, { recursive: true, force: true });
}

export interface RgwStatus {
  endpoint: string;
  region: string;
  owner: S3Credentials;
  /** Daemons still running, with their resident memory in bytes. */
  running: Partial<Record<keyof RgwDaemonPids, number>>;
  /** Whether the gateway answers HTTP. */
  answering: boolean;
  /** The monitor's health summary (`HEALTH_ERR 1 full osd(s)` when the RAM store is full: writes then hang). */
  health: string;
}

/** The state of the cluster in `dir`, or undefined if none was started there. */
export async function rgwStatus(dir: string): Promise<RgwStatus | undefined> {
  const state = readState(path.resolve(dir));
  if (!state) return undefined;
  const running: RgwStatus['running'] = {};
  for (const [name, pid] of Object.entries(state.pids) as [keyof RgwDaemonPids, number][])
    if (isAlive(pid, state.conf)) running[name] = residentBytes(pid);
  let answering = false;
  try {
    const response = await fetch(state.endpoint);
    await response.body?.cancel();
    answering = true;
  } catch {}
  let health = 'unknown (the monitor is not running)';
  const ceph = findBinary('ceph');
  if (running.mon !== undefined && ceph)
    health = (
      await runTool(ceph, ['-c', state.conf, 'health'], AbortSignal.timeout(30_000)).catch(
        (e: Error) => e.message,
      )
    ).trim();
  return { endpoint: state.endpoint, region: state.region, owner: state.owner, running, answering, health };
}
